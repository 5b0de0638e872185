"""The parts of the SMPP transport: PDU codec, submit_sm building, status names, the session."""
