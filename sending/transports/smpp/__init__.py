"""SMPP 3.4: the transport, its windowed session, the codec (smpplib with proven fast paths), parts,
status names and receipts."""
