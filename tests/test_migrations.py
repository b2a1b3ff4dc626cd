import shutil
import sqlite3
from pathlib import Path

import pytest

from app.archive import ArchiveService
from app.store import Store
from db.engine import make_engine
from db.migrate import (
    HEAD_REVISION,
    ForeignDatabaseError,
    NewerDatabaseError,
    current_revision,
    known_revisions,
    prepare_database,
)

FIXTURES = Path(__file__).with_name("fixtures")
FIXTURE_DBS = sorted(FIXTURES.glob("db-*.sqlite"))


def test_head_constant_matches_the_newest_migration():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from db.migrate import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_heads() == [HEAD_REVISION]


def test_models_match_the_migrations(tmp_path):
    """A model change without its migration would fail here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from db.models import Base

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    prepare_database(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_empty_database_goes_to_head_without_backup(tmp_path):
    path = tmp_path / "new.sqlite"
    store = Store(f"sqlite:///{path}")
    assert store.migration.from_revision is None
    assert store.migration.to_revision == HEAD_REVISION
    assert store.migration.backup_path is None
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    store.close()


def test_every_fixture_revision_is_known():
    revisions = {p.stem.removeprefix("db-") for p in FIXTURE_DBS}
    assert HEAD_REVISION in revisions, "add a fixture database for the newest schema"
    assert revisions <= known_revisions()


@pytest.mark.parametrize("fixture", FIXTURE_DBS, ids=lambda p: p.stem)
def test_fixture_databases_upgrade_and_keep_their_data(tmp_path, fixture):
    path = tmp_path / "old.sqlite"
    shutil.copy(fixture, path)
    rev = fixture.stem.removeprefix("db-")
    store = Store(f"sqlite:///{path}")
    assert store.migration.to_revision == HEAD_REVISION
    if rev != HEAD_REVISION:
        backup = store.migration.backup_path
        assert backup is not None and backup.exists() and backup.parent == tmp_path
        assert f"before-upgrade-{rev}" in backup.name
        with sqlite3.connect(backup) as con:  # the backup is the old database, untouched
            assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == rev
    archive = ArchiveService(store)
    ids = archive.search_ids("zw")
    assert len(ids) == 1
    detail = archive.detail(ids[0])
    assert detail.name == "张伟" and detail.vehicles[0].plate == "粤A12345"
    assert detail.visits[0].service_items == "更换机油机滤"
    assert archive.search_ids("欧阳") and archive.search_ids("ad123")
    assert archive.search_ids("李明") == [] and archive.search_ids("李明", deleted=True)
    if rev >= "0004":
        from app.contacts import ContactService
        from app.letters import LetterService

        [call] = ContactService(store).calls_for_customer(detail.id)
        assert call.key_points == "刹车正常，客户满意" and call.points_covered == (1, 2)
        [letter] = LetterService(store).letters_for_customer(detail.id)
        assert letter.kind == "invitation"
        assert letter.letter_no == "2026-0001"  # numbered by 0010, its counter set past it
        from app.letters import next_letter_no

        with store.session() as s:
            assert next_letter_no(s, 2026) == "2026-0002"
            s.rollback()
    store.close()
    # a second start has nothing to do
    again = Store(f"sqlite:///{path}")
    assert not again.migration.upgraded and again.migration.backup_path is None
    again.close()


def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path):
    path = tmp_path / "future.sqlite"
    shutil.copy(FIXTURE_DBS[-1], path)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError, match="更新版本"):
        Store(f"sqlite:///{path}")
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_a_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(ForeignDatabaseError, match="不是 FollowDesk"):
        Store(f"sqlite:///{path}")
    assert current_revision(make_engine(f"sqlite:///{path}")) == (None, True)
