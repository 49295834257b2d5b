"""mangle.py shortens the names a script declares and nothing else."""

from __future__ import annotations

from dialtrail.tracker.mangle import mangle
from dialtrail.tracker.serve import SCRIPT, minified_template


def test_it_renames_declared_names_but_not_properties_keys_or_globals() -> None:
    source = (
        "(function(window){const visitor=window.visitor;"
        "const send=(body)=>fetch('/c',{body:JSON.stringify({visitor,body})});"
        "send(visitor);})(window);"
    )

    mangled = mangle(source)

    assert "window.visitor" not in mangled  # the parameter is renamed ...
    assert ".visitor" in mangled  # ... its property is not
    assert "{body:" in mangled  # keys stay
    assert "visitor:" in mangled  # a shorthand property keeps its key
    assert "fetch('/c'" in mangled
    assert "JSON.stringify" in mangled
    assert "const send" not in mangled
    assert len(mangled) < len(source)


def test_it_leaves_strings_and_regular_expressions_alone() -> None:
    source = "(function(){const name='name';const pattern=/name\\/[a/]/g;return name+pattern;})();"

    mangled = mangle(source)

    assert "'name'" in mangled
    assert "/name\\/[a/]/g" in mangled
    assert "const name" not in mangled


def test_the_served_script_keeps_the_page_globals_of_its_call() -> None:
    served = minified_template()

    assert served.endswith("})(window,document,__DIALTRAIL_CONFIG__);")
    assert "startPageView" in SCRIPT.read_text()
    assert "startPageView" not in served
