"""The checkpoint's engine, behind :mod:`crashreport.checkpoint`.

None of this is on the host's common start-up path: :mod:`.files` and
:mod:`.notices` are imported only when a notice or a ping is due, :mod:`.ping`
only when a ping is, and :mod:`.worker` only in the background worker process.
"""
