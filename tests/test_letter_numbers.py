"""Every letter's 编号: per year of its 发函日期, taken when registered, never reused; the
register shows it and a letter is printed again from what was stored."""

from __future__ import annotations

import datetime as dt

import pytest
from pypdf import PdfReader

from app.archive import CustomerInput
from app.letters import LetterDraft, LetterService, next_letter_no
from db.models import Counter, Letter

D = dt.date


@pytest.fixture
def letters(store):
    service = LetterService(store)
    service.save_center(name="广州顺达汽车维修服务中心", phone="020-38881234")
    return service


@pytest.fixture
def customer(archive):
    return archive.create_customer(CustomerInput(name="张伟", phone="13812345678",
                                                 address="广州市天河区体育西路 1 号"))


def send(letters, customer, day, subject="保养提醒", body="尊敬的张伟：…", n=1):
    drafts = [LetterDraft(customer, "张伟", "广州市天河区体育西路 1 号", subject, body)
              for _ in range(n)]
    return letters.register(drafts, kind="notice", way="mail", sent_on=day)


def numbers(letters, ids):
    rows = letters.letter_rows(ids)
    return [rows[i].letter_no for i in ids]


def test_numbers_run_per_year_of_the_letter(letters, customer):
    a = send(letters, customer, D(2026, 11, 5), n=3)
    b = send(letters, customer, D(2027, 1, 4))
    c = send(letters, customer, D(2026, 12, 30))  # a late 2026 letter goes on 2026's count
    assert numbers(letters, a) == ["2026-0001", "2026-0002", "2026-0003"]
    assert numbers(letters, b) == ["2027-0001"]
    assert numbers(letters, c) == ["2026-0004"]


def test_a_deleted_letters_number_is_not_given_again(letters, customer):
    [first] = send(letters, customer, D(2026, 11, 5))
    letters.delete(first)
    [second] = send(letters, customer, D(2026, 11, 6))
    assert numbers(letters, [second]) == ["2026-0002"]
    assert letters.letter_rows([first])[first].letter_no == "2026-0001"  # it keeps its own


def test_a_refused_registration_takes_no_number(letters, customer):
    from app.normalize import ValidationError

    with pytest.raises(ValidationError):
        letters.register([LetterDraft(customer, "张伟", "", "s", "b")], kind="notice",
                         way="mail", sent_on=D(2026, 11, 5))
    assert numbers(letters, send(letters, customer, D(2026, 11, 5))) == ["2026-0001"]


def test_a_lost_counter_goes_on_after_the_highest_number(store, letters, customer):
    send(letters, customer, D(2026, 11, 5), n=2)
    with store.session() as s:
        s.delete(s.get(Counter, "letter_no.2026"))
    with store.session() as s:
        assert next_letter_no(s, 2026) == "2026-0003"


def test_the_register_form_shows_the_number(letters, customer, store):
    from app.forms import FormRequest, FormsService

    send(letters, customer, D(2026, 11, 5), n=2)
    form = FormsService(store).gather(FormRequest("letter-register", start=D(2026, 11, 1),
                                                  end=D(2026, 11, 30)))
    assert [c.title for c in form.columns][:3] == ["序号", "编号", "发函日期"]
    assert [r[1] for r in form.rows] == ["2026-0001", "2026-0002"]


def test_a_reprint_uses_the_stored_words_and_prints_the_number(letters, customer, store,
                                                               tmp_path):
    from app.letters_pdf import write_letters_pdf

    [lid] = send(letters, customer, D(2026, 11, 5), subject="关于保养的提醒",
                 body="尊敬的张伟：\n\n这是当时写下的正文。")
    # the template and the letterhead change afterwards; the letter as sent does not
    t = letters.templates()[0]
    letters.save_template(t.id, t.kind, t.name, "新的事由", "新的正文")
    letters.save_center(name="另一个名称的服务中心")
    [printed] = letters.for_print([lid])
    assert (printed.subject, printed.sent_on, printed.letter_no) == (
        "关于保养的提醒", D(2026, 11, 5), "2026-0001")
    out = tmp_path / "again.pdf"
    write_letters_pdf([printed], letters.center(), out, labels=False)
    text = "".join(PdfReader(str(out)).pages[0].extract_text().split())
    assert "2026-0001" in text and "这是当时写下的正文" in text and "新的正文" not in text
    assert "2026年11月5日" in text  # its own date, not today
    with store.read() as s:
        assert s.get(Letter, lid).letter_no == "2026-0001"
