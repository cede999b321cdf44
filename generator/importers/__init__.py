"""`broadsheet import`: another blog's archive as Broadsheet sources.

One module per source format reads its export and yields what it finds, as the values of
model.py (articles and pages, authors, notices); writer.py alone touches the site folder.
A reader streams: a 500 MB export is never held whole in memory.
"""
