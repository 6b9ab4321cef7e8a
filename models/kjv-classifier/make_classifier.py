"""Builds models/kjv-classifier: a small text classifier over the kjv-tiny tokenizer that tells
New Testament from Old Testament writing, exported to ONNX for ai.iro.onnx.reward.OnnxRewardModel.
Its single logit is the log-odds that a text reads like the New Testament; the `classifier` task of
`iro eval` uses it as the reward (the path a user with a trained reward model takes).

INSTALL (Debian 12; Debian's /usr/bin/python3, not a pyenv/venv python):
    apt-get install -y python3-torch python3-onnx python3-numpy python3-regex bible-kjv bible-kjv-text

RUN (from the repository root; writes models/kjv-classifier/model.onnx and metrics.json):
    /usr/bin/python3 models/kjv-classifier/make_classifier.py
  About one minute on 2 CPU cores. Deterministic on one machine and BLAS.

DATA: the KJV text from Debian's bible-kjv-text (public domain; see ../kjv-tiny/LICENSE-CORPUS.txt),
split as kjv-tiny was trained (every 20th verse held out). A training text is what the language
model would write after a prompt: a verse without its first 5 to 8 words (the prompts of kjv-tiny
are verse beginnings of 5 to 8 words). Label 1: Matthew to Revelation. The classes are weighted
equally (the Old Testament has about three times more verses), so a logit of 0 means no evidence
either way.

MODEL: token embeddings (2048 x 32) averaged over the scored tokens, then 32 -> 32 tanh -> 1.
ONNX interface (opset 14): inputs input_ids, attention_mask, token_type_ids, int64 [batch, seq];
output logits float32 [batch, 1]. The scored tokens are those with attention_mask 1 and
token_type_ids 1, i.e. the response of a text pair ([EOT] prompt [EOT] response, the second part
typed 1 by tokenizer.json's post-processor), so the prompt does not change the score; a row
without any type-1 token is scored on all its attended tokens.
"""

import importlib.util
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "..", "kjv-tiny")

# make_model sets the thread environment before importing torch; reuse its corpus and tokenizer.
_spec = importlib.util.spec_from_file_location("make_model", os.path.join(TINY, "make_model.py"))
mm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mm)

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1611
DIM = 32
EPOCHS = 4
BATCH = 128
LR = 3e-3
MAX_TOKENS = 64
FIRST_NT_BOOK = "Mat"


class Classifier(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, DIM)
        self.hidden = nn.Linear(DIM, DIM)
        self.out = nn.Linear(DIM, 1)

    def forward(self, input_ids, attention_mask, token_type_ids):
        am = attention_mask.to(torch.float32)
        tt = token_type_ids.to(torch.float32)
        has_pair = (am * tt).sum(dim=1, keepdim=True) > 0
        mask = am * torch.where(has_pair, tt, torch.ones_like(tt))
        total = (self.embed(input_ids) * mask.unsqueeze(-1)).sum(dim=1)
        pooled = total / mask.sum(dim=1, keepdim=True).clamp(min=1.0)
        return self.out(torch.tanh(self.hidden(pooled)))


def response_of(text, rng):
    words = text.split()
    if len(words) <= 5:
        return " " + text
    k = rng.randint(5, min(8, len(words) - 1))
    return " " + " ".join(words[k:])


def encode(tok, texts):
    rows = [[mm.EOT_ID] + tok.encode(t)[:MAX_TOKENS - 1] for t in texts]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), mm.EOT_ID, dtype=torch.int64)
    mask = torch.zeros((len(rows), width), dtype=torch.int64)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return ids, mask


def main():
    random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(SEED)
    verses = mm.load_kjv()
    first_nt = next(i for i, v in enumerate(verses) if v[0].startswith(FIRST_NT_BOOK))
    with open(os.path.join(TINY, "tokenizer.json"), encoding="utf-8") as f:
        merges = [tuple(m.split(" ")) for m in json.load(f)["model"]["merges"]]
    tok = mm.BPETokenizer(merges)
    split = {"train": [], "held": []}
    for i, v in enumerate(verses):
        part = "held" if i % mm.HELDOUT_EVERY == mm.HELDOUT_EVERY - 1 else "train"
        split[part].append((response_of(v[3], rng), 1.0 if i >= first_nt else 0.0))
    print("verses %d, first New Testament verse %d (%s), train %d, held-out %d"
          % (len(verses), first_nt, verses[first_nt][0], len(split["train"]), len(split["held"])), flush=True)
    model = Classifier(len(tok.vocab))
    train = split["train"]
    positives = sum(y for _, y in train)
    pos_weight = torch.tensor([(len(train) - positives) / positives])
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for epoch in range(EPOCHS):
        order = list(range(len(train)))
        rng.shuffle(order)
        total = 0.0
        for s in range(0, len(order), BATCH):
            batch = [train[j] for j in order[s:s + BATCH]]
            ids, mask = encode(tok, [t for t, _ in batch])
            y = torch.tensor([[y] for _, y in batch])
            loss = F.binary_cross_entropy_with_logits(model(ids, mask, torch.ones_like(ids)), y, pos_weight=pos_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        print("epoch %d: weighted loss %.4f" % (epoch + 1, total / len(train)), flush=True)
    model.eval()
    with torch.no_grad():
        held = split["held"]
        ids, mask = encode(tok, [t for t, _ in held])
        logits = model(ids, mask, torch.ones_like(ids)).squeeze(1)
        y = torch.tensor([y for _, y in held])
        pred = (logits > 0).float()
        acc_nt = ((pred == y) & (y == 1)).sum().item() / (y == 1).sum().item()
        acc_ot = ((pred == y) & (y == 0)).sum().item() / (y == 0).sum().item()
    metrics = {"heldout_verses": len(held), "accuracy_new_testament": round(acc_nt, 4),
               "accuracy_old_testament": round(acc_ot, 4), "balanced_accuracy": round((acc_nt + acc_ot) / 2, 4),
               "parameters": sum(p.numel() for p in model.parameters()), "epochs": EPOCHS, "seed": SEED,
               "bible_kjv_text": mm.package_version("bible-kjv-text")}
    print(json.dumps(metrics), flush=True)
    path = os.path.join(HERE, "model.onnx")
    example = encode(tok, [" and he said unto them", " the word"])
    torch.onnx.export(model, (example[0], example[1], torch.ones_like(example[0])), path,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                    "token_type_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch"}},
                      opset_version=14, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    with open(os.path.join(HERE, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    # golden scores for the Java test: text pairs scored by the PyTorch model on the response only
    golden = []
    for prompt, response in (("And he said", " Blessed are the poor in spirit: for theirs is the kingdom of heaven."),
                             ("And the LORD spake unto Moses", ", saying, Speak unto the children of Israel."),
                             ("Jesus answered", " Verily, verily, I say unto you, grace and peace from God.")):
        p, r = tok.encode(prompt), tok.encode(response)
        ids = torch.tensor([[mm.EOT_ID] + p + [mm.EOT_ID] + r])
        types = torch.tensor([[0] * (len(p) + 1) + [1] * (len(r) + 1)])
        with torch.no_grad():
            score = model(ids, torch.ones_like(ids), types).item()
        golden.append({"prompt": prompt, "response": response, "logit": score})
    with open(os.path.join(HERE, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=2)
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes", flush=True)


if __name__ == "__main__":
    main()
