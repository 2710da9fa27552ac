"""Connector configuration: the pieces a ``<name>_utils`` module is made of.

Hummingbot discovers a connector through its ``<name>_utils`` module, which declares module-level names:
``DEFAULT_FEES`` (a :class:`~hbrt.data_type.trade_fee.TradeFeeSchema`), ``CENTRALIZED``, ``EXAMPLE_PAIR``,
``KEYS`` (a config-map instance), and for extra domains ``OTHER_DOMAINS`` with the four per-domain dictionaries
``OTHER_DOMAINS_PARAMETER``, ``OTHER_DOMAINS_EXAMPLE_PAIR``, ``OTHER_DOMAINS_DEFAULT_FEES`` and
``OTHER_DOMAINS_KEYS``. Hummingbot's config maps are pydantic models; pydantic is not a dependency here, so this
module offers a standard-library equivalent:

* :class:`SecretStr` — a string that never shows itself in ``repr``/``str``/f-strings/logs;
* :func:`config_field` — declares a field with its prompt metadata (``prompt``, ``is_secure``, ``is_connect_key``,
  ``prompt_on_new``, ``is_updatable``);
* :class:`ConnectorConfig` — the base of config maps: every subclass is turned into a keyword-only dataclass
  automatically; unknown fields are rejected; secure fields are coerced to :class:`SecretStr` on construction and on
  assignment;
* :class:`ConnectorSetting` and :func:`connector_settings_from_utils` — read a utils module the way Hummingbot's
  settings loader does, including sub-domains and the constructor keyword arguments (:func:`conn_init_parameters`).

Example::

    class FakexConfigMap(ConnectorConfig):
        connector: str = "fakex"
        fakex_api_key: SecretStr = config_field(
            prompt="Enter your Fakex API key", is_secure=True, is_connect_key=True, prompt_on_new=True
        )
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import ModuleType
from typing import Any, ClassVar, NamedTuple

from hbrt.data_type.trade_fee import TradeFeeSchema

_MASK = "**********"
_METADATA_KEY = "hbrt_config"


class SecretStr:
    """A secret string: ``str()``, ``repr()`` and formatting show ``**********``; read it with
    :meth:`get_secret_value`.
    """

    __slots__ = ("_secret_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not isinstance(value, str):
            raise TypeError(f"SecretStr needs a str, got {type(value).__name__}.")
        self._secret_value = value

    def get_secret_value(self) -> str:
        return self._secret_value

    def __str__(self) -> str:
        return _MASK if self._secret_value else ""

    def __repr__(self) -> str:
        return f"SecretStr('{self}')"

    def __format__(self, format_spec: str) -> str:
        return format(str(self), format_spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._secret_value == self._secret_value

    def __hash__(self) -> int:
        return hash(self._secret_value)

    def __len__(self) -> int:
        return len(self._secret_value)

    def __bool__(self) -> bool:
        return bool(self._secret_value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling is allowed (configs are copied between processes), but the masked form is what `repr` shows.
        return (SecretStr, (self._secret_value,))


@dataclasses.dataclass(frozen=True)
class ConfigFieldInfo:
    """Prompt metadata of one config field (Hummingbot keeps it in pydantic's ``json_schema_extra``)."""

    prompt: str | Callable[[Any], str] | None = None
    is_secure: bool = False
    is_connect_key: bool = False
    prompt_on_new: bool = False
    is_updatable: bool = True

    def prompt_text(self, config: Any) -> str | None:
        """The prompt, calling it with ``config`` when it is a callable."""
        if callable(self.prompt):
            return self.prompt(config)
        return self.prompt


def config_field(
    *,
    default: Any = dataclasses.MISSING,
    default_factory: Callable[[], Any] | Any = dataclasses.MISSING,
    prompt: str | Callable[[Any], str] | None = None,
    is_secure: bool = False,
    is_connect_key: bool = False,
    prompt_on_new: bool = False,
    is_updatable: bool = True,
) -> Any:
    """Declare a config field with prompt metadata; without a default the field is required."""
    info = ConfigFieldInfo(
        prompt=prompt,
        is_secure=is_secure,
        is_connect_key=is_connect_key,
        prompt_on_new=prompt_on_new,
        is_updatable=is_updatable,
    )
    return dataclasses.field(default=default, default_factory=default_factory, metadata={_METADATA_KEY: info})


def _is_secret_annotation(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return isinstance(annotation, str) and annotation.replace(" ", "") in ("SecretStr", "SecretStr|None")


@dataclasses.dataclass(kw_only=True)
class ConnectorConfig:
    """Base of connector config maps (Hummingbot's ``BaseConnectorConfigMap``), standard library only.

    Subclasses are made keyword-only dataclasses automatically (no decorator needed). ``connector`` is the one
    field every config has; subclasses usually give it their connector name as default. Secure fields (declared
    with ``is_secure=True`` or annotated :class:`SecretStr`) always hold a :class:`SecretStr`, so neither ``repr``
    nor logging can show them.
    """

    connector: str

    _secret_fields: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(cls, kw_only=True)
        cls._secret_fields = frozenset(
            field.name
            for field in dataclasses.fields(cls)
            if _field_info(field).is_secure or _is_secret_annotation(field.type)
        )

    def __post_init__(self) -> None:
        for name in self._secret_fields:
            value = self.__dict__.get(name)
            if isinstance(value, str):
                object.__setattr__(self, name, SecretStr(value))

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.field_names():
            raise AttributeError(f"{type(self).__name__} has no config field {name!r}.")
        if name in self._secret_fields and isinstance(value, str):
            value = SecretStr(value)
        object.__setattr__(self, name, value)

    # ---- introspection -------------------------------------------------------------------------------------------

    @classmethod
    def field_names(cls) -> list[str]:
        return [field.name for field in dataclasses.fields(cls)]

    @classmethod
    def field_info(cls, name: str) -> ConfigFieldInfo:
        """Prompt metadata of field ``name`` (defaults for fields declared without :func:`config_field`)."""
        for field in dataclasses.fields(cls):
            if field.name == name:
                return _field_info(field)
        raise KeyError(name)

    @classmethod
    def connect_keys(cls) -> list[str]:
        """Fields that identify the account (API key, secret...)."""
        return [name for name in cls.field_names() if cls.field_info(name).is_connect_key]

    @classmethod
    def secure_fields(cls) -> list[str]:
        return sorted(cls._secret_fields)

    @classmethod
    def title(cls) -> str:
        """The connector name (Hummingbot uses it as the model title)."""
        for field in dataclasses.fields(cls):
            if field.name == "connector" and isinstance(field.default, str):
                return field.default
        return cls.__name__

    @classmethod
    def model_construct(cls, **values: Any) -> ConnectorConfig:
        """Build an instance without requiring every field (Hummingbot's ``KEYS = ConfigMap.model_construct()``).

        Missing fields take their default, or None when they have none.
        """
        instance = cls.__new__(cls)
        for field in dataclasses.fields(cls):
            if field.name in values:
                value = values.pop(field.name)
            elif field.default is not dataclasses.MISSING:
                value = field.default
            elif field.default_factory is not dataclasses.MISSING:
                value = field.default_factory()
            else:
                value = None
            object.__setattr__(instance, field.name, value)
        if values:
            raise TypeError(f"{cls.__name__} has no config fields {sorted(values)}.")
        instance.__post_init__()
        return instance

    def missing_required_fields(self) -> list[str]:
        """Fields without a value yet (e.g. keys not entered after :meth:`model_construct`)."""
        return [name for name in self.field_names() if getattr(self, name) is None]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for name in self.field_names():
            yield name, getattr(self, name)

    def to_constructor_kwargs(self) -> dict[str, Any]:
        """Field values keyed by field name with secrets revealed, ``connector`` excluded.

        Field names equal constructor parameter names (Hummingbot's ``conn_init_parameters``), so the result is
        passed straight to the connector class.
        """
        return {
            name: value.get_secret_value() if isinstance(value, SecretStr) else value
            for name, value in self
            if name != "connector"
        }


def _field_info(field: dataclasses.Field[Any]) -> ConfigFieldInfo:
    info = field.metadata.get(_METADATA_KEY)
    return info if isinstance(info, ConfigFieldInfo) else ConfigFieldInfo()


# ---- settings loading ------------------------------------------------------------------------------------------


class ConnectorSetting(NamedTuple):
    """What Hummingbot's settings loader records for one connector name (a domain counts as its own name)."""

    name: str
    type: str
    example_pair: str
    centralised: bool
    use_ethereum_wallet: bool
    trade_fee_schema: TradeFeeSchema
    config_keys: ConnectorConfig | None
    is_sub_domain: bool
    parent_name: str | None
    domain_parameter: str | None
    use_eth_gas_lookup: bool


def trade_fee_schema_from_default_fees(default_fees: Any) -> TradeFeeSchema:
    """``DEFAULT_FEES`` as a schema: a schema stays; the legacy ``[maker %, taker %]`` list is divided by 100."""
    if default_fees is None:
        return TradeFeeSchema()
    if isinstance(default_fees, TradeFeeSchema):
        return default_fees
    maker, taker = default_fees
    return TradeFeeSchema(
        maker_percent_fee_decimal=Decimal(str(maker)) / Decimal(100),
        taker_percent_fee_decimal=Decimal(str(taker)) / Decimal(100),
    )


def connector_settings_from_utils(
    name: str, utils_module: ModuleType, connector_type: str = "exchange"
) -> list[ConnectorSetting]:
    """Read a ``<name>_utils`` module like Hummingbot's loader: the main connector, then one setting per domain.

    Raises KeyError when ``OTHER_DOMAINS`` names a domain missing from one of the four per-domain dictionaries.
    """
    centralised = bool(getattr(utils_module, "CENTRALIZED", True))
    use_wallet = bool(getattr(utils_module, "USE_ETHEREUM_WALLET", False))
    use_gas = bool(getattr(utils_module, "USE_ETH_GAS_LOOKUP", False))
    settings = [
        ConnectorSetting(
            name=name,
            type=connector_type,
            example_pair=getattr(utils_module, "EXAMPLE_PAIR", ""),
            centralised=centralised,
            use_ethereum_wallet=use_wallet,
            trade_fee_schema=trade_fee_schema_from_default_fees(getattr(utils_module, "DEFAULT_FEES", None)),
            config_keys=getattr(utils_module, "KEYS", None),
            is_sub_domain=False,
            parent_name=None,
            domain_parameter=None,
            use_eth_gas_lookup=use_gas,
        )
    ]
    for domain_name in getattr(utils_module, "OTHER_DOMAINS", []):
        settings.append(
            ConnectorSetting(
                name=domain_name,
                type=connector_type,
                example_pair=utils_module.OTHER_DOMAINS_EXAMPLE_PAIR[domain_name],
                centralised=centralised,
                use_ethereum_wallet=use_wallet,
                trade_fee_schema=trade_fee_schema_from_default_fees(
                    utils_module.OTHER_DOMAINS_DEFAULT_FEES[domain_name]
                ),
                config_keys=utils_module.OTHER_DOMAINS_KEYS[domain_name],
                is_sub_domain=True,
                parent_name=name,
                domain_parameter=utils_module.OTHER_DOMAINS_PARAMETER[domain_name],
                use_eth_gas_lookup=use_gas,
            )
        )
    return settings


def conn_init_parameters(
    setting: ConnectorSetting,
    config: ConnectorConfig | Mapping[str, Any],
    trading_pairs: list[str] | None = None,
    trading_required: bool = True,
    balance_asset_limit: Mapping[str, Mapping[str, Decimal]] | None = None,
) -> dict[str, Any]:
    """Constructor keyword arguments for a connector, as Hummingbot builds them.

    For a sub-domain every key has the domain name replaced by the parent name
    (``fakex_testnet_api_key`` -> ``fakex_api_key``), ``domain`` is set to the domain parameter and
    ``rate_limits_share_pct`` is passed.
    """
    values = config.to_constructor_kwargs() if isinstance(config, ConnectorConfig) else dict(config)
    values.pop("connector", None)
    params: dict[str, Any] = {}
    for key, value in values.items():
        if setting.is_sub_domain and setting.parent_name is not None:
            key = key.replace(setting.name, setting.parent_name)
        params[key] = value.get_secret_value() if isinstance(value, SecretStr) else value
    params["trading_pairs"] = list(trading_pairs or [])
    params["trading_required"] = trading_required
    params["balance_asset_limit"] = balance_asset_limit
    if setting.is_sub_domain:
        params["domain"] = setting.domain_parameter
        params["rate_limits_share_pct"] = Decimal(100)
    return params
