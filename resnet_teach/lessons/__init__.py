"""The plain logic behind each notebook's widgets and exercises, one module per notebook.

Widgets (``resnet_teach.widgets``) only wrap these functions, so pytest can test every slider
position without a browser.
"""
