#!/usr/bin/python3
"""Writes src/test/resources/hf/chat/golden.json: chat templates rendered as transformers renders them.

Usage (from iro-onnx/):  /usr/bin/python3 src/test/scripts/chat_golden.py
Needs Debian's python3-jinja2 (apt-get install python3-jinja2); nothing else, no network.

The environment is the one transformers builds in utils/chat_template_utils.py
(_cached_compile_jinja_template): ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
with the loop-controls extension and a {% generation %} block that renders its body, the "tojson" filter
replaced by json.dumps(ensure_ascii=False), and the globals raise_exception and strftime_now. Templates are
rendered as render_jinja_template does: messages, tools=None, documents=None, add_generation_prompt, then the
tokenizer's special tokens map (bos_token, eos_token, unk_token, pad_token, additional_special_tokens, each
only when set) and any extra variables. strftime_now reads a fixed clock (FIXED_NOW) so that the output does
not depend on the day; ChatTemplateGoldenTest gives the Java side the same instant.

Each case records the rendered text, or the error: its Jinja exception class and message.
"""
import datetime
import json
import os

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
HF = os.path.join(HERE, "..", "resources", "hf")
FIXED_NOW = datetime.datetime(2025, 3, 9, 14, 5, 7)
SPECIAL_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

# (case name, family directory, template name or None for the default, external template file or None,
#  extra variables)
TEMPLATES = [
    ("llama2", "llama2", None, "chat_template.jinja", {}),
    ("llama3", "llama3", None, None, {}),
    ("llama3_1", "llama3_1", None, None, {}),
    ("llama3_2", "llama3_2", None, None, {}),
    ("qwen2_5", "qwen2_5", None, None, {}),
    ("qwen3", "qwen3", None, None, {}),
    ("qwen3_thinking_off", "qwen3", None, None, {"enable_thinking": False}),
    ("mistral_nemo", "mistral_nemo", None, None, {}),
    ("command_r_plus", "command_r_plus", None, None, {}),
    ("command_r_plus_rag", "command_r_plus", "rag", None, {
        "documents": [{"title": "Tall penguins", "text": "Emperor penguins are the tallest."},
                      {"title": "Penguin habitats", "text": "Emperor penguins only live in Antarctica."}],
        "citation_mode": "accurate"}),
]

# Small templates for constructs the real templates above do not reach, rendered with the same environment.
SNIPPETS = [
    ("whitespace_trim_lstrip", "  {% if true %}\n  x\n  {% endif %}\n  {{ 'y' }}  \n{# c #}\nz\n", {}),
    ("whitespace_minus", "a  {%- if true -%}  b  {%- endif -%}  c {{- ' d ' -}} e\n\n{#- x -#}\n f", {}),
    ("whitespace_plus", "  {%+ if true %}x{% endif +%}\ny", {}),
    ("crlf_and_trailing_newline", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n", {}),
    ("raw_block", "{% raw %}{{ not evaluated }}{% endraw %}|{%- raw -%}  x  {%- endraw -%}  |", {}),
    ("string_escapes", "{{ 'a\\nb\\t\\u00e9\\x41\\'q\\\\' }}|{{ \"d\\\"q\" }}|{{ 'x' 'y' }}", {}),
    ("numbers", "{{ 1/2 }} {{ 4/2 }} {{ 7//2 }} {{ -7//2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2**10 }} {{ 0.1+0.2 }} "
                "{{ 1e20 }} {{ 1e-5 }} {{ 1_000 }} {{ -3 }} {{ 3.0 }} {{ true + 1 }}", {}),
    ("repr_of_containers", "{{ [1, 'a', none, true, 1.5] }} {{ {'k': 'v', 'n': [1]} }} {{ (1,) }} {{ (1, 2) }} "
                           "{{ \"it's\" ~ [\"it's\"] }}", {}),
    ("comparisons_and_logic", "{{ 1 < 2 < 3 }} {{ 'a' in 'cat' }} {{ 2 not in [1, 3] }} {{ none or 'x' }} "
                              "{{ 0 and 1 }} {{ not [] }} {{ 1 == 1.0 }} {{ [1, 2] == [1, 2] }} {{ 'b' > 'a' }}", {}),
    ("conditional_expression", "{{ 'y' if x else 'n' }}{{ 'z' if not x }}|{{ ('p' if x else 'q') ~ '!' }}", {"x": 0}),
    ("slicing", "{{ [1,2,3,4,5][1:3] }}{{ [1,2,3][::-1] }}{{ 'hello'[1:] }}{{ 'hello'[-3:] }}{{ [1,2,3,4][::2] }}"
                "{{ [1,2,3][-1] }}{{ 'abc'[5:] }}{{ [1,2,3,4,5][4:1:-2] }}", {}),
    ("string_methods", "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' a '.lstrip() }}|{{ ' a '.rstrip() }}|"
                       "{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ 'a,b,c'.split(',', 1) }}{{ 'a,b,c'.rsplit(',', 1) }}|"
                       "{{ 'ab'.startswith('a') }}{{ 'ab'.endswith(('x', 'b')) }}{{ 'aXb'.upper() }}{{ 'AxB'.lower() }}|"
                       "{{ 'hello world'.title() }}{{ 'hELLO'.capitalize() }}{{ 'aaa'.replace('a', 'b', 2) }}|"
                       "{{ 'abcabc'.find('c') }}{{ 'abcabc'.rfind('c') }}{{ 'abcabc'.count('bc') }}{{ '-'.join(['x', 'y']) }}|"
                       "{{ 'a1'.isalnum() }}{{ '12'.isdigit() }}{{ ' '.isspace() }}{{ 'ab'.islower() }}", {}),
    ("dict_methods", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys() | list }}{{ d.values() | list }}"
                     "{{ d.get('a') }}{{ d.get('z') }}{{ d.get('z', 'dflt') }}{{ d.a }}{{ d['b'] }}{{ d.missing }}", {"d": {"a": 1, "b": [2]}}),
    ("loop_variables", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
                       "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}"
                       "{{ loop.nextitem }}{{ loop.cycle('o', 'e') }};{% endfor %}", {}),
    ("loop_filter_else_break_continue", "{% for x in range(10) if x is odd %}{% if x > 6 %}{% break %}{% endif %}"
                                        "{% if x == 3 %}{% continue %}{% endif %}{{ x }}{{ loop.index }},{% endfor %}|"
                                        "{% for x in [] %}no{% else %}empty{% endfor %}", {}),
    ("scoping", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 1 %}{{ x }}{% endfor %}|{{ x }}|"
                "{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}|"
                "{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("set_block_and_tuples", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t %}in {{ a }}{% endset %}[{{ t }}]", {}),
    ("macros", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} "
               "{{ greet('Bo', '?') }} {{ greet(name='Cy', punct='.') }}", {}),
    ("filters_text", "{{ ' x ' | trim }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'hello-world foo' | title }}|"
                     "{{ 'hi' | capitalize }}|{{ 'aXa' | replace('a', 'b') }}|{{ 'a b c' | wordcount }}|"
                     "{{ 'l1\\nl2\\n\\nl3' | indent(2) }}|{{ 'l1\\nl2' | indent(2, true) }}|{{ 5 | string }}|"
                     "{{ '<a&b>' | e }}|{{ none | default('d') }}|{{ u | default('d') }}|{{ '' | default('d', true) }}", {}),
    ("filters_lists", "{{ [3, 1, 2] | sort }}{{ [3, 1, 2] | sort(reverse=true) }}{{ ['b', 'A'] | sort }}"
                      "{{ [1, 2] | first }}{{ [1, 2] | last }}{{ [1, 2] | reverse | list }}{{ 'ab' | reverse }}"
                      "{{ [1, 2, 3] | length }}{{ [1, 2, 3] | sum }}{{ [3, 1] | min }}{{ [3, 1] | max }}"
                      "{{ [1, 1, 2] | unique | list }}{{ ['a', 'b'] | join(', ') }}{{ [1, 2] | join }}"
                      "{{ '3' | int + 1 }}{{ '2.5' | float }}{{ -3 | abs }}{{ 2.567 | round(2) }}{{ 2.5 | round }}", {}),
    ("filters_select_map", "{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}"
                           "{{ ms | rejectattr('role', 'equalto', 'user') | list | length }}"
                           "{{ [0, 1, 2, 3] | select('odd') | list }}{{ [0, 1, 2] | reject | list }}"
                           "{{ ms | selectattr('tool_calls', 'undefined') | list | length }}"
                           "{{ ['a', 'B'] | map('upper') | list }}{{ {'b': 1, 'a': 2} | dictsort }}{{ {'a': 1} | items | list }}",
     {"ms": [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"},
             {"role": "user", "content": "u2"}]}),
    ("tests", "{{ 3 is divisibleby 3 }}{{ none is none }}{{ u is defined }}{{ u is undefined }}{{ 'a' is string }}"
              "{{ [1] is iterable }}{{ {} is mapping }}{{ 'a' is iterable }}{{ 1 is number }}{{ 1 is integer }}"
              "{{ 1.0 is float }}{{ true is boolean }}{{ 2 is even }}{{ 'x' is in 'xy' }}{{ 1 is eq 1 }}"
              "{{ 1 is ne 2 }}{{ 1 is not none }}{{ 'AB' is upper }}{{ none is sameas none }}{{ 5 is gt 3 }}", {}),
    ("tojson", "{{ x | tojson }}|{{ x | tojson(indent=2) }}|{{ x | tojson(sort_keys=true) }}|{{ 'é\\u2028' | tojson }}|"
               "{{ x | tojson(separators=(',', ':')) }}|{{ [] | tojson(indent=2) }}",
     {"x": {"b": [1, 2.5, None, True, "é\n\"<>&'"], "a": {}}}),
    ("strftime", "{{ strftime_now('%Y-%m-%d %H:%M:%S %a %A %b %B %d %j %p %I %y %%') }}|{{ strftime_now('%-d %-m') }}", {}),
    ("undefined_prints_empty", "[{{ u }}][{{ d.x }}][{{ [1][5] }}][{{ none }}][{{ true }}]", {"d": {}}),
    ("generation_block", "{% generation %}inside {{ 1 }}{% endgeneration %}", {}),
    ("dict_and_namespace_builders", "{{ dict(a=1, b='x') }}{% set ns = namespace(a=1) %}{{ ns.a }}{{ range(3) | list }}"
                                    "{{ range(1, 7, 2) | list }}", {}),
    ("attribute_on_none_is_undefined", "[{{ n.x }}]{{ n.x is defined }}", {"n": None}),
    ("errors_undefined_plus", "{{ u + 'a' }}", {}),
    ("errors_concat_none", "{{ 'x' + none }}", {}),
    ("errors_call_undefined", "{{ nothing() }}", {}),
    ("errors_unknown_method", "{{ 'abc'.foo() }}", {}),
    ("errors_list_append", "{% set l = [] %}{{ l.append(1) }}", {}),
    ("errors_raise", "{{ raise_exception('custom refusal: ' ~ 3) }}", {}),
]


class GenerationBlock(Extension):
    """transformers' AssistantTracker, inactive: {% generation %}body{% endgeneration %} renders body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationBlock, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def token_text(value):
    return value["content"] if isinstance(value, dict) else value


def special_tokens(config):
    out = {}
    for key in SPECIAL_KEYS:
        value = config.get(key)
        if value is not None:
            out[key] = token_text(value)
    extra = config.get("additional_special_tokens")
    if extra:
        out["additional_special_tokens"] = [token_text(t) for t in extra]
    return out


def template_source(family, name, external):
    if external is not None:
        with open(os.path.join(HF, family, external), encoding="utf-8") as f:
            return f.read()
    with open(os.path.join(HF, family, "tokenizer_config.json"), encoding="utf-8") as f:
        chat_template = json.load(f)["chat_template"]
    if isinstance(chat_template, str):
        return chat_template
    by_name = {t["name"]: t["template"] for t in chat_template}
    return by_name[name or "default"]


def main():
    env = environment()
    with open(os.path.join(HF, "chat", "conversations.json"), encoding="utf-8") as f:
        conversations = json.load(f)["conversations"]
    cases = []
    for case_name, family, name, external, extra in TEMPLATES:
        with open(os.path.join(HF, family, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        template = env.from_string(template_source(family, name, external))
        for conversation in conversations:
            for add_generation_prompt in (False, True):
                kwargs = dict(special_tokens(config))
                kwargs.update(extra)
                kwargs.setdefault("tools", None)
                kwargs.setdefault("documents", None)
                case = {"template": case_name, "conversation": conversation["name"],
                        "add_generation_prompt": add_generation_prompt}
                try:
                    case["output"] = template.render(messages=conversation["messages"],
                                                     add_generation_prompt=add_generation_prompt, **kwargs)
                except jinja2.exceptions.TemplateError as e:
                    case["error"] = {"type": type(e).__name__, "message": str(e)}
                except Exception as e:  # errors Python raises inside the template, e.g. TypeError
                    case["error"] = {"type": type(e).__name__, "message": str(e)}
                cases.append(case)
    snippets = []
    for name, source, variables in SNIPPETS:
        case = {"name": name, "template": source, "variables": variables}
        try:
            case["output"] = env.from_string(source).render(**variables)
        except Exception as e:
            case["error"] = {"type": type(e).__name__, "message": str(e)}
        snippets.append(case)
    golden = {
        "generator": "src/test/scripts/chat_golden.py",
        "jinja2": jinja2.__version__,
        "fixed_now": FIXED_NOW.isoformat(),
        "templates": [{"name": t[0], "family": t[1], "template_name": t[2], "file": t[3], "extra": t[4]}
                      for t in TEMPLATES],
        "cases": cases,
        "snippets": snippets,
    }
    with open(os.path.join(HF, "chat", "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} cases, {errors} errors; {len(snippets)} snippets, "
          f"{sum(1 for c in snippets if 'error' in c)} errors")


if __name__ == "__main__":
    main()
