"""ipywidgets front ends, one module per notebook; imported only when a notebook asks.

Each widget only wraps plain functions from ``resnet_teach.lessons``; those are what the
tests check at every slider position. Each widget catches the logic's ValueError/TypeError
and shows it as a short readable message (``_common.message_html``), never a traceback.
"""
