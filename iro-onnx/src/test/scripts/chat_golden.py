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
    golden = {
        "generator": "src/test/scripts/chat_golden.py",
        "jinja2": jinja2.__version__,
        "fixed_now": FIXED_NOW.isoformat(),
        "templates": [{"name": t[0], "family": t[1], "template_name": t[2], "file": t[3], "extra": t[4]}
                      for t in TEMPLATES],
        "cases": cases,
    }
    with open(os.path.join(HF, "chat", "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} cases, {errors} errors")


if __name__ == "__main__":
    main()
