"""The PySide6 user interface: a thin layer over the services. The only package that imports Qt."""
