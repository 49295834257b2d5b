"""The insertion script shows the session's tracking number in place of the site's numbers.

numbers.html carries the site number +380441112233 in several spellings; the fixture server
answers the page view with a tracking number, as the collector does (docs/design.md §3 and §4).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from dialtrail.tracker.serve import number_parts
from tests.browser.test_script_readers import collector, config, open_page
from tests.support.static_site import StaticSite

SITE_NUMBER = "+380441112233"
TRACKING_NUMBER = "+380449998877"
US_SITE_NUMBER = "+12125550142"
TEXTS = "ids => Object.fromEntries(ids.map(id => [id, document.getElementById(id).textContent]))"
UNTOUCHED = ["other", "apart", "textarea", "editable", "code"]


def numbers_config(site: StaticSite) -> dict[str, Any]:
    numbers = [number_parts(SITE_NUMBER), number_parts(US_SITE_NUMBER)]
    return config(endpoint=collector(site), numbers=numbers)


def open_numbers(
    page: Page, site: StaticSite, answer: str | None, path: str = "/numbers.html"
) -> None:
    site.answer = {"number": answer}
    open_page(page, site, path, numbers_config(site))
    if answer:
        page.wait_for_function("n => dialtrail.number() == n", arg=answer)


def texts(page: Page, *ids: str) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(TEXTS, list(ids))
    return found


def test_it_swaps_every_spelling_keeping_the_page_formatting(page: Page, site: StaticSite) -> None:
    open_numbers(page, site, TRACKING_NUMBER)

    assert texts(page, "international", "spaced", "plain", "e164", "wrapped") == {
        "international": "Call us: +38 (044) 999-88-77, every day.",
        "spaced": "Kyiv office: 044 999 88 77",
        "plain": "Fax 0449998877.",
        "e164": "WhatsApp +380449998877",
        # a template that wraps after the country code: the national spelling is still found
        "wrapped": "+38\n        (044) 999-88-77",
    }
    assert page.evaluate("dialtrail.number()") == TRACKING_NUMBER
    assert page.evaluate("dialtrail.session().number") == TRACKING_NUMBER


def test_it_rewrites_tel_links_and_fills_marked_elements(page: Page, site: StaticSite) -> None:
    open_numbers(page, site, TRACKING_NUMBER)

    assert page.get_attribute("#link", "href") == "tel:+380449998877"
    assert texts(page, "link", "marked", "marked-link") == {
        "link": "+38 (044) 999-88-77",
        "marked": "+38 (044) 999-88-77",  # the format "+## (###) ###-##-##"
        "marked-link": "+380449998877",  # no format: E.164
    }
    assert page.get_attribute("#marked-link", "href") == "tel:+380449998877"


def test_it_leaves_code_fields_editable_text_and_other_numbers_alone(
    page: Page, site: StaticSite
) -> None:
    open_numbers(page, site, TRACKING_NUMBER)

    assert texts(page, *UNTOUCHED) == {
        "other": "Order 0441112233999 and +38 (044) 555-66-77 stay.",
        # more than three separators between two digits: not one number
        "apart": "Codes 044 1112 - - - 233 and 0441 (  ) 112233 are not a number.",
        "textarea": "044 111 22 33",
        "editable": "044 111 22 33",
        "code": "window.siteNumber = '044 111 22 33';",
    }
    assert page.input_value("#textarea") == "044 111 22 33"
    assert page.input_value("#input") == "044 111 22 33"
    assert (
        page.evaluate("document.querySelector('style').textContent") == "/* +38 (044) 111-22-33 */"
    )


def test_content_added_later_is_swapped(page: Page, site: StaticSite) -> None:
    page.clock.install()
    open_numbers(page, site, TRACKING_NUMBER)
    page.evaluate("""() => setTimeout(() => {
        document.getElementById('later').innerHTML =
            '<div class="popup">Call 044 111 22 33 <a href="tel:0441112233">now</a></div>';
    }, 3000)""")

    page.clock.run_for(3000)

    page.wait_for_function("document.querySelector('.popup')")
    assert page.text_content(".popup") == "Call 044 999 88 77 now"
    assert page.get_attribute(".popup a", "href") == "tel:0449998877"
    page.evaluate("document.getElementById('spaced').firstChild.data = 'New: 0441112233'")
    assert page.text_content("#spaced") == "New: 0449998877"


def test_without_a_number_the_page_stays_as_it_is(page: Page, site: StaticSite) -> None:
    page.goto(site.base_url + "/numbers.html")  # no config: the script changes nothing
    original = page.content()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))

    open_page(page, site, "/numbers.html?again#dialtrail-debug", numbers_config(site))
    for _ in range(250):  # until the page view's answer has been read
        if "[dialtrail] number null" in messages:
            break
        page.wait_for_timeout(20)

    assert "[dialtrail] number null" in messages
    assert page.content() == original
    assert page.evaluate("dialtrail.number()") is None


def test_the_next_page_of_the_session_shows_the_number_before_the_answer(
    page: Page, site: StaticSite
) -> None:
    open_numbers(page, site, TRACKING_NUMBER)
    site.statuses = {"pageview": [503] * 5}  # the page view's answer never comes

    page.reload()

    page.wait_for_function("dialtrail.session().page_view")
    assert texts(page, "spaced") == {"spaced": "Kyiv office: 044 999 88 77"}
    assert page.evaluate("dialtrail.number()") == TRACKING_NUMBER


def test_a_remembered_number_gives_way_when_the_session_has_none_any_more(
    page: Page, site: StaticSite
) -> None:
    open_numbers(page, site, TRACKING_NUMBER)
    site.answer = {"number": None}

    page.reload()

    page.wait_for_function("dialtrail.number() === null")
    page.wait_for_function("document.getElementById('spaced').textContent.includes('111')")
    assert texts(page, "international", "spaced") == {
        "international": "Call us: +38 (044) 111-22-33, every day.",
        "spaced": "Kyiv office: 044 111 22 33",
    }


# split-numbers.html: site numbers split across elements, as styled area codes are.
SPLIT = "/split-numbers.html"
MARKUP = "ids => Object.fromEntries(ids.map(id => [id, document.getElementById(id).innerHTML]))"
SPLIT_IDS = ["spans", "us", "link", "styled"]


def markup(page: Page, *ids: str) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(MARKUP, list(ids))
    return found


def test_a_number_split_across_elements_keeps_its_elements(page: Page, site: StaticSite) -> None:
    open_numbers(page, site, TRACKING_NUMBER, SPLIT)

    assert markup(page, *SPLIT_IDS) == {
        "spans": 'Call <span class="code">+38 (044)</span> 999-88-77 today',
        "us": "<span>+380449998877</span>",  # another country: plainly, in the first part
        "link": "044 <b>999 88 77</b>",
        "styled": "<span>0</span><span>44</span><span>-999</span>-<i>88</i>-<i>77</i>",
    }
    assert page.get_attribute("#link", "href") == "tel:+380449998877"


def test_several_split_numbers_in_one_element_are_all_swapped(page: Page, site: StaticSite) -> None:
    open_numbers(page, site, TRACKING_NUMBER, SPLIT)

    assert markup(page, "several") == {
        "several": "<b>044</b> 999 88 77, <b>+380449998877</b> or <b>044</b>-999-88-77"
    }


def test_split_numbers_are_swapped_next_to_whole_ones(page: Page, site: StaticSite) -> None:
    # A page whose numbers are all whole in a text node is not searched for split ones (the
    # cost of the number's first showing); one whole number must not make the others missed,
    # nor a digit just before a split number in the page's text (<td>5</td><td>044 …).
    open_numbers(page, site, TRACKING_NUMBER, "/mixed-numbers.html")

    assert markup(page, "whole", "split", "digit", "after") == {
        "whole": "Call 044 999 88 77 today",
        "split": "<span>+38 (044)</span> 999-88-77",
        "digit": "5",
        "after": "<span>044</span> 999 88 77",
    }


@pytest.mark.parametrize(
    ("tracking_number", "expected"),
    [
        (  # a longer number: its extra digit follows the last one, in the last part
            "+3804499988776",
            {
                "spans": 'Call <span class="code">+38 (044)</span> 999-88-776 today',
                "us": "<span>+3804499988776</span>",
                "link": "044 <b>999 88 776</b>",
                "styled": "<span>0</span><span>44</span><span>-999</span>-<i>88</i>-<i>776</i>",
            },
        ),
        (  # a shorter one is written plainly, in the first part
            "+38044999887",
            {
                "spans": 'Call <span class="code">+38044999887</span> today',
                "us": "<span>+38044999887</span>",
                "link": "+38044999887<b></b>",
                "styled": "<span>+38044999887</span><span></span><span></span><i></i><i></i>",
            },
        ),
    ],
)
def test_a_split_number_of_another_length_is_placed_without_breaking(
    page: Page, site: StaticSite, tracking_number: str, expected: dict[str, str]
) -> None:
    open_numbers(page, site, tracking_number, SPLIT)

    assert markup(page, *SPLIT_IDS) == expected


def test_a_long_container_and_editable_text_keep_their_chance_adjacencies(
    page: Page, site: StaticSite
) -> None:
    page.goto(site.base_url + SPLIT)  # no config: the page as it is
    original = markup(page, "big", "edited")

    open_numbers(page, site, TRACKING_NUMBER, SPLIT)

    assert markup(page, "big", "edited") == original
    assert "111 22 33" in original["big"]


def test_a_split_number_added_later_is_swapped(page: Page, site: StaticSite) -> None:
    open_numbers(page, site, TRACKING_NUMBER, SPLIT)

    page.evaluate("""() => {
        document.getElementById('later').innerHTML =
            '<p class="popup"><span>+38 (044)</span> 111-22-33 ' +
            '<a href="tel:0441112233"><b>044</b> 111 22 33</a></p>';
        document.getElementById('later').insertAdjacentHTML('beforeend', '<ul class="hours">' +
            '<li>044 111 22 33</li><li><b>044</b> 111 22 33</li><li>24/7</li></ul>');
        document.getElementById('pending').append(' 111 22 33');
        document.querySelector('#filled span + span').firstChild.data = '111-22-33';
    }""")

    page.wait_for_function("!document.getElementById('filled').textContent.includes('111')")
    assert page.inner_html(".popup") == (
        '<span>+38 (044)</span> 999-88-77 <a href="tel:0449998877"><b>044</b> 999 88 77</a>'
    )
    # Minified markup: in the list's whole text the digits of its items run together.
    assert page.inner_html(".hours") == (
        "<li>044 999 88 77</li><li><b>044</b> 999 88 77</li><li>24/7</li>"
    )
    assert markup(page, "pending", "filled") == {
        "pending": "<b>044</b> 999 88 77",  # the text added next to the bold part
        "filled": "<span>+38 (044)</span> <span>999-88-77</span>",  # a text that changed
    }


def test_a_split_number_goes_back_to_the_site_number(page: Page, site: StaticSite) -> None:
    open_numbers(page, site, TRACKING_NUMBER, SPLIT)
    assert markup(page, "link") == {"link": "044 <b>999 88 77</b>"}
    site.answer = {"number": None}

    page.reload()  # shows the number of the session's cookie, then the answer takes it away

    page.wait_for_function("dialtrail.number() === null")
    page.wait_for_function("document.getElementById('link').textContent.includes('111')")
    assert markup(page, "spans", "link", "styled") == {
        "spans": 'Call <span class="code">+38 (044)</span> 111-22-33 today',
        "link": "044 <b>111 22 33</b>",
        "styled": "<span>0</span><span>44</span><span>-111</span>-<i>22</i>-<i>33</i>",
    }


HOSTILE_COUNTS = """root => ({
    deep: root.querySelector('.deep').textContent,
    many: [...root.querySelectorAll('.many p')]
        .filter(p => p.innerHTML == '<b>044</b> 999 88 77').length,
    noise: root.querySelector('.noise').textContent.split('044 111 22 33').length - 1,
})"""


def test_a_hostile_page_stays_bounded_and_never_throws(page: Page, site: StaticSite) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    open_numbers(page, site, TRACKING_NUMBER, "/split-hostile.html#dialtrail-debug")
    # The deep number and every short paragraph are swapped; the long container is not.
    swapped = {"deep": "044 999 88 77", "many": 2000, "noise": 2000}

    assert page.evaluate(f"({HOSTILE_COUNTS})(document.body)") == swapped
    page.evaluate("buildHostile(document.getElementById('later'))")  # the observer's path
    page.wait_for_function("document.querySelector('#later .many').textContent.includes('999')")
    assert page.evaluate(f"({HOSTILE_COUNTS})(document.getElementById('later'))") == swapped
    # Nothing thrown inside the script: a guard logs what it catches as "[dialtrail] error …"
    # (this page has no entities, whose errors are logged so too).
    assert [text for text in messages if text.startswith("[dialtrail] error")] == []
