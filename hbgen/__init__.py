"""hbgen: generate exchange connectors from declarative YAML specs."""

__version__ = "0.1.0"
