"""ipywidgets front ends, one module per notebook; imported only when a notebook asks.

Each widget only wraps plain functions from ``resnet_teach.lessons``; those are what the
tests check at every slider position. ``guarded`` turns a ValueError/TypeError from the
logic into a short readable message in the widget, never a traceback.
"""
