"""Web URL gateways (Kannel, Jasmin, any HTTP API): the transport, presets, the connection check."""
