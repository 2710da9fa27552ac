"""Types shared by perpetual derivative connectors (Hummingbot's ``connector.derivative`` package)."""
