"""Word documents are built in services or document modules (``<app>/documents.py``), never
inside views: a view gathers what the reader may see and returns the file."""

from __future__ import annotations

import ast

from .test_import_cycles import first_party_modules

WORD_LIBRARIES = ("docx", "docxtpl")


def _imports_word_library(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        if any(name.split(".")[0] in WORD_LIBRARIES for name in names):
            lines.append(node.lineno)
    return lines


def test_the_check_sees_function_level_imports():
    tree = ast.parse("def view(request):\n    from docx import Document\n    import docxtpl\n")
    assert _imports_word_library(tree) == [2, 3]


def test_no_view_module_builds_a_word_document():
    found = [
        f"{module} (line {line})"
        for module, path in first_party_modules().items()
        if module.rsplit(".", 1)[-1] == "views" or ".views." in f"{module}."
        for line in _imports_word_library(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not found, "views that build Word documents (move the building to documents.py):\n" + "\n".join(
        found
    )
