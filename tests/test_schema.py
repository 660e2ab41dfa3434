"""forms.schema and the catalog refuse a form declared wrongly when it is built, naming form, rule and key."""
from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest

from adtools.errors import WARNING, SchemaError
from adtools.forms.catalog import FORMS, build_catalog
from adtools.forms.schema import Choice, Field, Form, RowRule, TableRule


def _yes(row, header, cfg) -> bool:
    return True


def _none(rows, header, cfg):
    return ()


HEADER = (Field("register_id", "登记表编号", "Register ID", required=True),)
COLUMNS = (
    Field("gross", "刊例价", "Gross rate", "money"),
    Field("net", "净价", "Net cost", "money"),
)


def small(**changes) -> Form:
    """A two-column form, good as declared; `changes` replace its parts."""
    parts = dict(form_id="tiny", zh="小表", en="Tiny form", header=HEADER, columns=COLUMNS, key=("register_id",))
    return Form(**{**parts, **changes})


def refused(message: str, **changes) -> str:
    """The form with `changes` is refused with a message naming the form and saying `message`."""
    with pytest.raises(SchemaError) as info:
        small(**changes)
    text = str(info.value)
    assert text.startswith("form 'tiny' (")
    assert message in text, text
    return text


def test_the_small_form_is_good():
    assert small().fields == HEADER + COLUMNS


def test_every_form_of_the_catalog_builds_clean():
    assert build_catalog(*FORMS.values()) == dict(FORMS)
    assert len(FORMS) == 14


# ----------------------------------------------------------------- keys
def test_two_fields_with_one_key_are_refused():
    refused("2 fields have the key 'gross' (in the table)", columns=COLUMNS + (Field("gross", "毛额", "Gross"),))


def test_a_header_field_and_a_column_with_one_key_are_refused():
    refused("2 fields have the key 'register_id' (in the header and the table)",
            columns=COLUMNS + (Field("register_id", "编号", "ID"),))


def test_two_columns_labelled_alike_are_refused():
    refused("2 table fields are labelled 'grossrate' (en)", columns=COLUMNS + (Field("gross2", "刊例价二", "Gross  Rate"),))


def test_a_document_key_naming_no_header_field_is_refused():
    refused("the document key names 'gross', which is not a header field", key=("register_id", "gross"))
    refused("the document key names 'nowhere', which is not a header field", key=("nowhere",))
    refused("the document key names no field", key=())


def test_a_sheet_name_excel_refuses_is_refused():
    refused("the sheet name '小表/二' is not one Excel allows", zh="小表/二")
    refused("is not one Excel allows (at most 31 characters", zh="表" * 32)


# ----------------------------------------------------------------- rules
def test_a_rule_naming_a_missing_field_is_refused():
    rule = RowRule("net_check", "nett", "净价不符", "net does not fit", _yes, needs=("gross",))
    refused("rule 'net_check' marks field 'nett', which the table lacks", rules=(rule,))


def test_a_rule_needing_a_missing_field_is_refused():
    rule = RowRule("net_check", "net", "净价不符", "net does not fit", _yes, needs=("gross", "discount"))
    refused("rule 'net_check' needs field 'discount', which the form lacks", rules=(rule,))


def test_a_header_rule_on_a_table_column_is_refused():
    rule = RowRule("id_check", "gross", "不符", "does not fit", _yes, needs=("register_id",), scope="header")
    refused("rule 'id_check' marks field 'gross', which the header lacks", rules=(rule,))
    rule = RowRule("id_check", "register_id", "不符", "does not fit", _yes, needs=("net",), scope="header")
    refused("rule 'id_check' needs field 'net', which the header lacks", rules=(rule,))


def test_a_row_rule_may_read_the_header_but_marks_its_row():
    small(rules=(RowRule("net_check", "net", "不符", "does not fit", _yes, needs=("gross", "register_id")),))
    refused("rule 'id_check' marks field 'register_id', which the table lacks",
            rules=(RowRule("id_check", "register_id", "不符", "does not fit", _yes),))


def test_a_rule_with_an_unknown_scope_or_severity_is_refused():
    refused("rule 'net_check' has scope 'rows'", rules=(RowRule("net_check", "net", "不符", "no", _yes, scope="rows"),))
    refused("rule 'net_check' has severity 'fatal'",
            rules=(RowRule("net_check", "net", "不符", "no", _yes, severity="fatal"),))


def test_a_table_rule_marking_a_missing_field_is_refused():
    refused("table rule 'totals' marks field 'amount', which the form lacks",
            table_rules=(TableRule("totals", _none, fields=("gross", "amount")),))
    refused("table rule 'totals' names no field", table_rules=(TableRule("totals", _none, fields=()),))


def test_two_rules_with_one_code_are_refused():
    rule = RowRule("net_check", "net", "不符", "no", _yes, severity=WARNING)
    refused("2 rules have the code 'net_check'", rules=(rule, rule))
    unique = tuple(dataclasses.replace(f, unique=True) if f.key == "gross" else f for f in COLUMNS)
    refused("2 rules have the code 'unique_gross'", columns=unique,
            table_rules=(TableRule("unique_gross", _none, fields=("gross",)),))


# ----------------------------------------------------------------- fields
def computed_net(**changes) -> tuple[Field, ...]:
    net = dataclasses.replace(COLUMNS[1], **changes)
    return (COLUMNS[0], net)


def test_a_computed_column_naming_a_missing_field_is_refused():
    refused("field 'net': it is computed from 'discount', which the table lacks",
            columns=computed_net(compute=lambda r: r["gross"], computed_from=("gross", "discount")))
    refused("field 'net': it is computed from 'register_id', which the table lacks",  # it reads its own row only
            columns=computed_net(compute=lambda r: r["gross"], computed_from=("gross", "register_id")))


def test_a_computed_column_naming_itself_is_refused():
    refused("field 'net': it is computed from itself", columns=computed_net(compute=lambda r: r["net"], computed_from=("net",)))


def test_a_computed_column_needs_compute_and_its_inputs():
    refused("field 'net': a computed field needs both compute and computed_from",
            columns=computed_net(compute=lambda r: r["gross"]))
    refused("field 'net': a computed field needs both compute and computed_from", columns=computed_net(computed_from=("gross",)))


def test_a_computed_or_unique_header_field_is_refused():
    header = (dataclasses.replace(HEADER[0], compute=lambda r: "x", computed_from=("register_id",)),)
    text = refused("field 'register_id': only table columns are computed", header=header)
    assert "it is computed from itself" in text
    refused("field 'register_id': unique applies to table columns", header=(dataclasses.replace(HEADER[0], unique=True),))


def test_enum_choices_given_twice_are_refused():
    def status(*choices: tuple[str, str, str]) -> tuple[Field, ...]:
        return COLUMNS + (Field("status", "状态", "Status", "enum", choices=tuple(Choice(*c) for c in choices)),)

    refused("field 'status': 2 choices share the key 'open'", columns=status(("open", "进行中", "Open"), ("open", "完成", "Done")))
    refused("field 'status': 2 choices share the zh '完成'", columns=status(("open", "完成", "Open"), ("done", "完成", "Done")))
    refused("field 'status': 2 choices share the en 'done'", columns=status(("open", "进行中", "Done"), ("done", "完成", "DONE")))


def test_choices_on_a_field_that_is_no_enum_are_refused():
    refused("field 'gross': choices are for enums; the field is 'money'",
            columns=(dataclasses.replace(COLUMNS[0], choices=(Choice("a", "甲", "A"),)), COLUMNS[1]))
    refused("field 'stage': give choices or choices_from, not both", columns=COLUMNS + (
        Field("stage", "环节", "Stage", "enum", choices=(Choice("a", "甲", "A"),), choices_from="turnaround"),))


def test_a_pattern_that_is_no_regular_expression_is_refused():
    refused("field 'code': the pattern '^[A-Z' is no regular expression",
            columns=COLUMNS + (Field("code", "代码", "Code", pattern="^[A-Z"),))


def test_a_minimum_above_the_maximum_is_refused():
    refused("field 'gross': min 10 is above max 1",
            columns=(dataclasses.replace(COLUMNS[0], min=Decimal(10), max=Decimal(1)), COLUMNS[1]))


def test_every_problem_is_named_at_once():
    rule = RowRule("net_check", "nett", "不符", "no", _yes, needs=("discount",))
    text = refused("rule 'net_check' marks field 'nett'", rules=(rule,), key=("nowhere",))
    assert "needs field 'discount'" in text and "the document key names 'nowhere'" in text


def test_a_field_of_unknown_type_is_refused():
    with pytest.raises(SchemaError, match=re.escape("field 'hours': unknown type 'float'; use one of text, int")):
        Field("hours", "小时", "Hours", "float")
    with pytest.raises(SchemaError, match="field 'status': an enum needs choices or choices_from"):
        Field("status", "状态", "Status", "enum")


# ----------------------------------------------------------------- the catalog
def test_the_catalog_refuses_two_forms_with_one_id_or_sheet():
    with pytest.raises(SchemaError, match="2 forms have the id 'tiny'"):
        build_catalog(small(), small(zh="另一小表"))
    with pytest.raises(SchemaError, match="2 forms have the sheet name '小表'"):
        build_catalog(small(), small(form_id="other"))


def test_the_catalog_refuses_a_list_config_does_not_have():
    form = small(columns=COLUMNS + (Field("stage", "环节", "Stage", "enum", choices_from="stages"),))
    with pytest.raises(SchemaError, match="form 'tiny', field 'stage': choices_from 'stages' is none of turnaround, "):
        build_catalog(form)
