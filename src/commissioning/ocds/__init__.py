"""The Open Contracting Data Standard 1.1 (issue 20): the standard's own schemas, shipped in
``schema/`` (OCDS 1.1.5, Apache License 2.0, copied unchanged with their licence), and
validation against them that runs offline (``validate``)."""
