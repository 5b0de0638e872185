"""The receiver (`manage.py smpp_listen`): receiving binds kept open for receipts and inbound
messages, shared by any number of receiver processes through the bind leases."""
