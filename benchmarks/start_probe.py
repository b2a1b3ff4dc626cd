"""Child process of bench_archive.py: start, paint once, print the time, exit.

    python benchmarks/start_probe.py floor
    python benchmarks/start_probe.py app DB_PATH          (the archive screen)
    python benchmarks/start_probe.py app-default DB_PATH  (the tab the window opens on)
The parent times from spawning this process to reading the line.
"""

import os
import sys


def main() -> None:
    mode = sys.argv[1]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                sys.stdout.write("painted\n")
                sys.stdout.flush()
                os._exit(0)
            return False

    if mode == "floor":
        import sqlalchemy.orm  # noqa: F401  the floor includes the ORM import

        app = QApplication(sys.argv[:1])
        window = QMainWindow()
        table = QTableView()
        window.setCentralWidget(table)
        target = table.viewport()
    else:
        from PySide6.QtCore import QSettings

        from app.staff import StaffService
        from app.store import Store
        from ui.app import make_application
        from ui.main_window import MainWindow

        app = make_application()
        store = Store(f"sqlite:///{sys.argv[2]}")
        user = StaffService(store).list()[0]
        settings = QSettings(os.devnull, QSettings.Format.IniFormat)
        window = MainWindow(store, user, settings)
        if mode == "app":
            # The archive screen (issue 2's measure); "app-default" paints what opens first.
            window.tabs.setCurrentWidget(window.archive_tab)
            target = window.archive_tab.table.viewport()
        else:
            target = window.tabs.currentWidget()
    paint = FirstPaint()
    target.installEventFilter(paint)
    window.resize(1200, 720)
    window.show()
    app.exec()


if __name__ == "__main__":
    main()
