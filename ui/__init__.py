"""PySide6 views: main window, one module per tab, Qt models over app/ queries, dialogs."""
