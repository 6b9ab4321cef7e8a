#!/usr/bin/python3
"""
make_model.py -- builds "kjv-tiny", a small GPT-style (Llama-architecture) decoder
language model trained on the King James Bible, and exports it to ONNX.

WHAT IT DOES (deterministically, every random source seeded):
  1. Corpus: dumps the King James Version text from Debian's `bible-kjv-text`
     package with the `bible` program (package `bible-kjv`):
         bible -f -p /usr/lib Gen1:1-Rev22:21
     (one verse per line, "Ge1:1 In the beginning ..."; 31,102 verses, pure ASCII).
     The reference prefix is stripped. Split: every 20th verse (index % 20 == 19,
     in canonical order) is HELD OUT, the rest is TRAIN.
  2. Tokenizer: byte-level BPE (GPT-2 style) learned by the pure-Python trainer
     below on the TRAIN verses: GPT-2 pre-tokenizer regex, 256 byte symbols
     (GPT-2 bytes_to_unicode map) + 1791 merges + "<|endoftext|>" = 2048 ids.
     Merge selection: highest pair count, ties broken by the lexicographically
     smallest (left, right) pair. Written as a Hugging Face `tokenizer.json`
     (BPE model, ByteLevel pre-tokenizer with add_prefix_space=false, ByteLevel
     decoder, no normalizer, a TemplateProcessing post-processor that puts it before a text, as training did; "<|endoftext|>" is an added
     special token, id 2047, used as both BOS and EOS).
  3. Model: Llama-style decoder: pre-RMSNorm, rotary position embeddings
     (rotate-half convention, theta 10000), grouped-query attention
     (8 query heads, 2 key/value heads, head_dim 24), SwiGLU MLP, no biases,
     tied input/output embeddings, context 256.  See CFG below.
     Training data: every train verse is "<|endoftext|>" + verse tokens, all
     concatenated (so "<|endoftext|>" ends one verse and starts the next);
     each training sequence is 257 tokens starting at a random verse start.
     Fixed number of steps (not a time budget), AdamW, warmup + cosine.
  4. Exports `model.onnx` (opset 14, fp32) in the Hugging Face Optimum /
     transformers.js "decoder with past" layout (one graph, past always given,
     past length may be 0):
        inputs : input_ids int64 [batch, seq]
                 attention_mask int64 [batch, past_len + seq]
                 position_ids int64 [batch, seq]
                 past_key_values.{i}.key / .value float32 [batch, 2, past_len, 24]
        outputs: logits float32 [batch, seq, 2048]
                 present.{i}.key / .value float32 [batch, 2, past_len + seq, 24]
                 last_hidden_state float32 [batch, seq, 192] (after final norm)
     Key j is visible to the query at absolute position past_len + i iff
     j <= past_len + i and attention_mask[b, j] == 1 (masked scores are replaced
     by -1e9, so fully padded rows give finite values, never NaN).  RoPE angles
     come from position_ids (for left padding pass positions counting only the
     unpadded tokens, e.g. cumsum(mask) - 1 clipped at 0).
  5. Writes config.json, generation_config.json, golden_logits.json,
     prompts-heldout.jsonl (300), prompts-train.jsonl (1000), LICENSE-CORPUS.txt,
     and prints a few samples.

INSTALL (Debian 12; use Debian's /usr/bin/python3, not a pyenv/venv python):
    apt-get install -y python3-torch python3-onnx python3-numpy python3-regex \
                       bible-kjv bible-kjv-text libopenblas0-pthread
  (libopenblas0-pthread: without it torch uses the reference BLAS, ~40x slower.
   Results are bit-reproducible on the same machine/BLAS; another CPU or BLAS
   build may give slightly different floating point results.)

RUN (from the repository root; writes into models/kjv-tiny/):
    /usr/bin/python3 models/kjv-tiny/make_model.py
  Takes about 13 minutes on 2 CPU cores (corpus + tokenizer ~10 s, training
  480 steps ~12.5 min, evaluation/export/golden data/samples < 1 min).
  `--steps N` overrides the number of training steps (for quick experiments
  only; the shipped model uses the default).

CORPUS LICENSE: the KJV text (1611) is in the public domain (see
LICENSE-CORPUS.txt for Debian's copyright note).

golden_logits.json FORMAT (computed with the PyTorch model, not ONNX):
  {
    "bos_token_id": 2047, "eos_token_id": 2047, "vocab_size": 2048,
    "cases": [ {
        "text": "...",                      # the input text
        "text_token_ids": [...],            # tokenizer.encode(text), no specials
        "input_ids": [2047, ...],           # BOS + text_token_ids (what is fed)
        "position_ids": [0, 1, ...],        # 0..len-1, attention_mask all ones
        "last_logits": [2048 floats],       # logits at the last input position
        "argmax_per_position": [...],       # argmax of the logits at each position
        "greedy_continuation": [20 ids],    # greedy decoding, full recomputation
                                            # each step, no stopping at EOS
        "greedy_text": "..."                # decode(greedy_continuation)
    }, ... ]
  }
"""

import os

# fixed thread setup (set before torch is imported); PASSIVE keeps OpenMP's idle
# threads from spinning against OpenBLAS's threads on a 2-core machine.
os.environ["OPENBLAS_NUM_THREADS"] = "2"
os.environ["OMP_NUM_THREADS"] = "2"
os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

import argparse
import json
import math
import random
import subprocess
import sys
import time
import heapq
from collections import Counter

import numpy as np
import regex
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
SEED = 1611

CFG = dict(
    vocab_size=2048,
    hidden_size=192,
    num_hidden_layers=6,
    num_attention_heads=8,
    num_key_value_heads=2,
    head_dim=24,
    intermediate_size=512,
    max_position_embeddings=256,
    rope_theta=10000.0,
    rms_norm_eps=1e-5,
)
EOT = "<|endoftext|>"
EOT_ID = CFG["vocab_size"] - 1
TRAIN = dict(steps=480, batch_size=16, seq_len=256, lr=3e-3, min_lr_frac=0.1,
             warmup=30, weight_decay=0.1, grad_clip=1.0)
HELDOUT_EVERY = 20
GPT2_PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def log(*a):
    print(*a, flush=True)


# --------------------------------------------------------------------------- corpus
def load_kjv():
    out = subprocess.run(["bible", "-f", "-p", "/usr/lib", "Gen1:1-Rev22:21"],
                         check=True, capture_output=True, cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}).stdout
    text = out.decode("ascii")
    verses = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        m = regex.match(r"^(\S+?)(\d+):(\d+) (.*)$", line)
        if not m:
            raise RuntimeError("unexpected line: %r" % line)
        verses.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4).strip()))
    if len(verses) != 31102:
        raise RuntimeError("expected 31102 verses, got %d" % len(verses))
    return verses


def package_version(pkg):
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], check=True,
                          capture_output=True).stdout.decode().strip()


# ------------------------------------------------------------------------ tokenizer
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {v: k for k, v in BYTE_ENC.items()}
PAT = regex.compile(GPT2_PAT)


def train_bpe(texts, num_merges):
    """Pure-Python byte-level BPE trainer. Deterministic: picks the pair with the
    highest count, ties -> lexicographically smallest (left, right)."""
    wc = Counter()
    for t in texts:
        for w in PAT.findall(t):
            wc["".join(BYTE_ENC[b] for b in w.encode("utf-8"))] += 1
    words = [list(w) for w in sorted(wc)]
    freqs = [wc[w] for w in sorted(wc)]
    pair_counts = Counter()
    where = {}
    for wi, (syms, f) in enumerate(zip(words, freqs)):
        for p in zip(syms, syms[1:]):
            pair_counts[p] += f
            where.setdefault(p, set()).add(wi)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < num_merges and heap:
        negc, p = heapq.heappop(heap)
        if pair_counts.get(p, 0) != -negc or -negc <= 0:
            continue  # stale entry
        if -negc < 2:
            break
        merges.append(p)
        a, b = p
        ab = a + b
        changed = set()
        for wi in sorted(where.pop(p, ())):
            syms = words[wi]
            f = freqs[wi]
            for q in zip(syms, syms[1:]):
                pair_counts[q] -= f
                changed.add(q)
            new = []
            i = 0
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                    new.append(ab)
                    i += 2
                else:
                    new.append(syms[i])
                    i += 1
            words[wi] = new
            for q in zip(new, new[1:]):
                pair_counts[q] += f
                changed.add(q)
                where.setdefault(q, set()).add(wi)
        pair_counts.pop(p, None)
        changed.discard(p)
        for q in changed:
            c = pair_counts.get(q, 0)
            if c > 0:
                heapq.heappush(heap, (-c, q))
            else:
                pair_counts.pop(q, None)
    return merges


class BPETokenizer:
    """Reference encoder/decoder equivalent to the HF tokenizer.json we write."""

    def __init__(self, merges):
        self.merges = merges
        self.ranks = {p: i for i, p in enumerate(merges)}
        self.vocab = {}
        for b in range(256):
            self.vocab[BYTE_ENC[b]] = b
        for a, b in merges:
            self.vocab[a + b] = len(self.vocab)
        self.vocab[EOT] = len(self.vocab)
        assert self.vocab[EOT] == EOT_ID, len(self.vocab)
        self.inv = {i: t for t, i in self.vocab.items()}
        self.cache = {}

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        syms = list(word)
        while len(syms) > 1:
            best = min(((self.ranks.get(p, 1 << 30), p) for p in zip(syms, syms[1:])))
            if best[0] == 1 << 30:
                break
            a, b = best[1]
            new, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                    new.append(a + b)
                    i += 2
                else:
                    new.append(syms[i])
                    i += 1
            syms = new
        ids = [self.vocab[s] for s in syms]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        """Like HF encode(text, add_special_tokens=False): '<|endoftext|>' in the
        text is matched as the special token, the rest goes through BPE."""
        ids = []
        for k, part in enumerate(text.split(EOT)):
            if k > 0:
                ids.append(EOT_ID)
            for w in PAT.findall(part):
                ids.extend(self._bpe("".join(BYTE_ENC[b] for b in w.encode("utf-8"))))
        return ids

    def decode(self, ids, skip_special=True):
        out = bytearray()
        for i in ids:
            t = self.inv[int(i)]
            if t == EOT:
                if not skip_special:
                    out += EOT.encode()
                continue
            out += bytes(BYTE_DEC[c] for c in t)
        return out.decode("utf-8", errors="replace")

    def to_hf_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": EOT_ID, "content": EOT, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": True, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                              "use_regex": True},
            # Training put EOT before every verse: say so the way transformers reads it.
            "post_processor": {"type": "TemplateProcessing",
                               "single": [{"SpecialToken": {"id": EOT, "type_id": 0}},
                                          {"Sequence": {"id": "A", "type_id": 0}}],
                               "pair": [{"SpecialToken": {"id": EOT, "type_id": 0}},
                                        {"Sequence": {"id": "A", "type_id": 0}},
                                        {"SpecialToken": {"id": EOT, "type_id": 1}},
                                        {"Sequence": {"id": "B", "type_id": 1}}],
                               "special_tokens": {EOT: {"id": EOT, "ids": [EOT_ID], "tokens": [EOT]}}},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                        "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "",
                      "fuse_unk": False, "byte_fallback": False,
                      "vocab": self.vocab,
                      "merges": ["%s %s" % p for p in self.merges]},
        }


# ---------------------------------------------------------------------------- model
class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.nh, self.nkv, self.hd = c["hidden_size"], c["num_attention_heads"], \
            c["num_key_value_heads"], c["head_dim"]
        self.q_proj = nn.Linear(d, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(d, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, d, bias=False)

    def forward(self, x, cos, sin, mask, past=None):
        B, T = x.shape[0], x.shape[1]
        q = self.q_proj(x).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = (k, v)
        S = k.shape[2]
        g = self.nh // self.nkv
        kr = k.unsqueeze(2).expand(B, self.nkv, g, S, self.hd).reshape(B, self.nh, S, self.hd)
        vr = v.unsqueeze(2).expand(B, self.nkv, g, S, self.hd).reshape(B, self.nh, S, self.hd)
        att = torch.matmul(q, kr.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd))
        if mask.dtype == torch.bool:
            att = torch.where(mask, att, torch.tensor(-1e9, dtype=att.dtype))
        else:  # training fast path: additive causal bias (0 / -1e9), same result
            att = att + mask
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, vr).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return self.o_proj(y), present


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, f = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask, past=None):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Block(c) for _ in range(c["num_hidden_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        hd = c["head_dim"]
        inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.apply(self._init)
        for l in self.layers:
            nn.init.normal_(l.self_attn.o_proj.weight, std=0.02 / math.sqrt(2 * c["num_hidden_layers"]))
            nn.init.normal_(l.mlp.down_proj.weight, std=0.02 / math.sqrt(2 * c["num_hidden_layers"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """Returns (logits, last_hidden_state, presents).  attention_mask covers
        past + current tokens; None means all ones.  past: list of (k, v) or None."""
        B, T = input_ids.shape[0], input_ids.shape[1]
        past_len = past[0][0].shape[2] if past is not None else 0
        if position_ids is None:
            position_ids = (torch.arange(T) + past_len).unsqueeze(0).expand(B, T)
        freqs = position_ids.unsqueeze(-1).to(torch.float32) * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        cos = emb.cos().unsqueeze(1)
        sin = emb.sin().unsqueeze(1)
        q_pos = torch.arange(T) + past_len
        k_pos = torch.arange(past_len + T)
        mask = (k_pos.unsqueeze(0) <= q_pos.unsqueeze(1)).unsqueeze(0).unsqueeze(0)  # [1,1,T,S]
        if attention_mask is not None:
            mask = mask & (attention_mask == 1).unsqueeze(1).unsqueeze(2)  # [B,1,T,S]
        elif past is None:
            mask = torch.zeros(mask.shape).masked_fill(~mask, -1e9)
        x = self.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.layers):
            x, pr = layer(x, cos, sin, mask, past[i] if past is not None else None)
            presents.append(pr)
        h = self.norm(x)
        if torch.onnx.is_in_onnx_export():  # Einsum: keeps ONE copy of the tied weight
            logits = torch.einsum("btd,vd->btv", h, self.embed_tokens.weight)
        else:
            logits = torch.matmul(h, self.embed_tokens.weight.t())
        return logits, h, presents


class OnnxWrapper(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, h, presents = self.model(input_ids, attention_mask, position_ids, past)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        out.append(h)
        return tuple(out)


# ------------------------------------------------------------------------- training
def lr_at(step):
    t = TRAIN
    if step < t["warmup"]:
        return t["lr"] * (step + 1) / t["warmup"]
    p = (step - t["warmup"]) / max(1, t["steps"] - t["warmup"])
    return t["lr"] * (t["min_lr_frac"] + (1 - t["min_lr_frac"]) * 0.5 * (1 + math.cos(math.pi * p)))


def build_stream(tok, verses):
    ids, starts = [], []
    for v in verses:
        starts.append(len(ids))
        ids.append(EOT_ID)
        ids.extend(tok.encode(v))
    ids.append(EOT_ID)
    return np.array(ids, dtype=np.int64), np.array(starts, dtype=np.int64)


@torch.no_grad()
def evaluate(model, stream, seq_len, max_tokens=None):
    model.eval()
    n = len(stream) - 1
    if max_tokens:
        n = min(n, max_tokens)
    tot, cnt = 0.0, 0
    for s in range(0, n - seq_len + 1, seq_len):
        x = torch.from_numpy(stream[s:s + seq_len]).unsqueeze(0)
        y = torch.from_numpy(stream[s + 1:s + seq_len + 1]).unsqueeze(0)
        logits = model(x)[0]
        tot += F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1), reduction="sum").item()
        cnt += y.numel()
    model.train()
    return tot / cnt


@torch.no_grad()
def generate(model, ids, n, temperature=0.0, gen=None, stop_at_eos=False):
    ids = list(ids)
    out = []
    for _ in range(n):
        logits = model(torch.tensor([ids]))[0][0, -1]
        if temperature <= 0:
            nxt = int(torch.argmax(logits))
        else:
            p = torch.softmax(logits / temperature, -1)
            nxt = int(torch.multinomial(p, 1, generator=gen))
        out.append(nxt)
        ids.append(nxt)
        if stop_at_eos and nxt == EOT_ID:
            break
    return out


def make_prompts(verses, n, rng):
    cands = [v for v in verses if len(v.split()) >= 10]
    idx = sorted(rng.sample(range(len(cands)), n))
    out = []
    for i in idx:
        words = cands[i].split()
        k = rng.randint(5, 8)
        p = " ".join(words[:k]).rstrip(",;:")
        out.append({"prompt": p})
    return out


def write_json(name, obj, **kw):
    with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, **kw)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=TRAIN["steps"])
    args = ap.parse_args()
    TRAIN["steps"] = args.steps
    t_start = time.time()
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    # corpus
    verses = load_kjv()
    texts = [v[3] for v in verses]
    train = [t for i, t in enumerate(texts) if i % HELDOUT_EVERY != HELDOUT_EVERY - 1]
    held = [t for i, t in enumerate(texts) if i % HELDOUT_EVERY == HELDOUT_EVERY - 1]
    log("corpus: %d verses, train %d, held-out %d" % (len(texts), len(train), len(held)))
    ver_text, ver_prog = package_version("bible-kjv-text"), package_version("bible-kjv")

    # tokenizer
    t0 = time.time()
    merges = train_bpe(train, CFG["vocab_size"] - 256 - 1)
    tok = BPETokenizer(merges)
    write_json("tokenizer.json", tok.to_hf_json(), indent=1)
    write_json("tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": EOT, "eos_token": EOT,
        "unk_token": EOT, "add_bos_token": True, "add_prefix_space": False,
        "model_max_length": CFG["max_position_embeddings"], "clean_up_tokenization_spaces": False})
    log("tokenizer: %d merges, vocab %d, %.1fs" % (len(merges), len(tok.vocab), time.time() - t0))
    for s in ["In the beginning God created the heaven and the earth.", "Hello, world! 1234 café\n"]:
        ids = tok.encode(s)
        assert tok.decode(ids) == s
        log("  %r -> %s" % (s, ids))

    train_ids, train_starts = build_stream(tok, train)
    held_ids, _ = build_stream(tok, held)
    log("tokens: train %d, held-out %d (%.2f chars/token)" % (
        len(train_ids), len(held_ids), sum(map(len, train)) / len(train_ids)))

    # model + training
    model = GPT(CFG)
    nparams = sum(p.numel() for p in model.parameters())
    log("model: %s, %d parameters" % (json.dumps(CFG), nparams))
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": TRAIN["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=TRAIN["lr"], betas=(0.9, 0.95), eps=1e-8)
    rng = np.random.RandomState(SEED)
    L, B = TRAIN["seq_len"], TRAIN["batch_size"]
    valid_starts = train_starts[train_starts + L + 1 <= len(train_ids)]
    t0 = time.time()
    ema = None
    model.train()
    for step in range(TRAIN["steps"]):
        st = rng.choice(valid_starts, size=B)
        batch = torch.from_numpy(np.stack([train_ids[s:s + L + 1] for s in st]))
        x, y = batch[:, :-1], batch[:, 1:]
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        logits = model(x)[0]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), TRAIN["grad_clip"])
        opt.step()
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        if step % 50 == 0 or step == TRAIN["steps"] - 1:
            log("step %4d  loss %.4f  (ema %.4f)  lr %.2e  %.0fs" % (
                step, loss.item(), ema, lr_at(step), time.time() - t0))
    train_time = time.time() - t0
    model.eval()
    held_loss = evaluate(model, held_ids, L)
    train_eval_loss = evaluate(model, train_ids, L, max_tokens=len(held_ids))
    log("training: %d steps in %.0fs; final train loss (ema) %.4f; eval loss train-subset %.4f, "
        "held-out %.4f (ppl %.2f)" % (TRAIN["steps"], train_time, ema, train_eval_loss, held_loss,
                                       math.exp(held_loss)))

    # ONNX export
    nl, nkv, hd = CFG["num_hidden_layers"], CFG["num_key_value_heads"], CFG["head_dim"]
    past_names, present_names, dyn = [], [], {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
        "last_hidden_state": {0: "batch_size", 1: "sequence_length"}}
    for i in range(nl):
        for kv in ("key", "value"):
            past_names.append("past_key_values.%d.%s" % (i, kv))
            present_names.append("present.%d.%s" % (i, kv))
            dyn[past_names[-1]] = {0: "batch_size", 2: "past_sequence_length"}
            dyn[present_names[-1]] = {0: "batch_size", 2: "total_sequence_length"}
    b, s, p = 2, 3, 4
    ex = (torch.randint(0, 2000, (b, s)), torch.ones(b, p + s, dtype=torch.int64),
          torch.arange(p, p + s).unsqueeze(0).repeat(b, 1)) + \
        tuple(torch.randn(b, nkv, p, hd) for _ in range(2 * nl))
    onnx_path = os.path.join(OUT_DIR, "model.onnx")
    with torch.no_grad():
        torch.onnx.export(OnnxWrapper(model), ex, onnx_path, opset_version=14,
                          input_names=["input_ids", "attention_mask", "position_ids"] + past_names,
                          output_names=["logits"] + present_names + ["last_hidden_state"],
                          dynamic_axes=dyn, do_constant_folding=True)
    import onnx
    m = onnx.load(onnx_path)
    for vi in m.graph.output:  # Einsum leaves the vocab axis symbolic; it is fixed
        if vi.name == "logits":
            vi.type.tensor_type.shape.dim[2].Clear()
            vi.type.tensor_type.shape.dim[2].dim_value = CFG["vocab_size"]
    onnx.save(m, onnx_path)
    onnx.checker.check_model(m)
    for vi in list(m.graph.input) + list(m.graph.output):
        dims = [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]
        log("  onnx %-28s %s" % (vi.name, dims))
        for ax in dyn[vi.name]:
            assert vi.type.tensor_type.shape.dim[ax].dim_param, (vi.name, ax)
    init_bytes = sum(np.prod(t.dims) * 4 for t in m.graph.initializer)
    log("onnx: %d initializers, %.2f MB of weights, file %.2f MB" % (
        len(m.graph.initializer), init_bytes / 1e6, os.path.getsize(onnx_path) / 1e6))

    # PyTorch check: KV-cache path == full recomputation, left padding works
    with torch.no_grad():
        ids = torch.tensor([[EOT_ID] + tok.encode("And God said, Let there be light")])
        full = model(ids)[0]
        T = ids.shape[1]
        empty = [(torch.zeros(1, nkv, 0, hd), torch.zeros(1, nkv, 0, hd)) for _ in range(nl)]
        l1, _, pres = model(ids[:, :5], torch.ones(1, 5, dtype=torch.long),
                            torch.arange(5).unsqueeze(0), empty)
        l2, _, _ = model(ids[:, 5:], torch.ones(1, T, dtype=torch.long),
                         torch.arange(5, T).unsqueeze(0), pres)
        d = (torch.cat([l1, l2], 1) - full).abs().max().item()
        log("pytorch kv-cache vs full max abs diff: %.2e" % d)
        assert d < 1e-3

    # golden logits
    golden_texts = ["In the beginning God created the heaven",
                    "And the LORD spake unto Moses, saying,",
                    "Blessed are the"]
    cases = []
    with torch.no_grad():
        for t in golden_texts:
            tid = tok.encode(t)
            inp = [EOT_ID] + tid
            logits = model(torch.tensor([inp]))[0][0]
            cont = generate(model, inp, 20)
            cases.append({"text": t, "text_token_ids": tid, "input_ids": inp,
                          "position_ids": list(range(len(inp))),
                          "last_logits": [float(v) for v in logits[-1].tolist()],
                          "argmax_per_position": logits.argmax(-1).tolist(),
                          "greedy_continuation": cont, "greedy_text": tok.decode(cont)})
            log("golden %r -> %r" % (t, tok.decode(cont)))
    write_json("golden_logits.json", {
        "description": "PyTorch reference outputs of model.onnx's source model; see make_model.py header",
        "bos_token_id": EOT_ID, "eos_token_id": EOT_ID, "vocab_size": CFG["vocab_size"],
        "cases": cases})

    # prompts
    prng = random.Random(SEED)
    for name, src, n in (("prompts-heldout.jsonl", held, 300), ("prompts-train.jsonl", train, 1000)):
        with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8") as f:
            for pr in make_prompts(src, n, prng):
                f.write(json.dumps(pr, ensure_ascii=False) + "\n")

    # configs
    write_json("config.json", {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "vocab_size": CFG["vocab_size"], "hidden_size": CFG["hidden_size"],
        "intermediate_size": CFG["intermediate_size"], "num_hidden_layers": nl,
        "num_attention_heads": CFG["num_attention_heads"], "num_key_value_heads": nkv,
        "head_dim": hd, "hidden_act": "silu", "max_position_embeddings": CFG["max_position_embeddings"],
        "rms_norm_eps": CFG["rms_norm_eps"], "rope_theta": CFG["rope_theta"], "rope_scaling": None,
        "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": True,
        "bos_token_id": EOT_ID, "eos_token_id": EOT_ID, "pad_token_id": EOT_ID,
        "torch_dtype": "float32", "use_cache": True,
        "num_parameters": nparams,
        "training": {"corpus": "King James Bible, Debian bible-kjv-text %s" % ver_text,
                     "heldout": "every %dth verse" % HELDOUT_EVERY,
                     "train_tokens": int(len(train_ids)), "steps": TRAIN["steps"],
                     "batch_size": B, "seq_len": L, "final_train_loss_ema": round(ema, 4),
                     "heldout_loss": round(held_loss, 4)}}, indent=2)
    write_json("generation_config.json", {
        "bos_token_id": EOT_ID, "eos_token_id": EOT_ID, "pad_token_id": EOT_ID,
        "max_length": CFG["max_position_embeddings"], "max_new_tokens": 40,
        "do_sample": True, "temperature": 0.8, "top_k": 40, "top_p": 0.95}, indent=2)

    with open(os.path.join(OUT_DIR, "LICENSE-CORPUS.txt"), "w") as f:
        f.write(LICENSE_TEXT % dict(text=ver_text, prog=ver_prog,
                                    copyright=open("/usr/share/doc/bible-kjv-text/copyright").read()))

    # samples
    log("\nsamples (greedy, then temperature 0.8):")
    gen = torch.Generator().manual_seed(SEED)
    for t in ["And the LORD said unto", "Blessed is the man that", "For God so loved",
              "The LORD is my shepherd"]:
        g = generate(model, [EOT_ID] + tok.encode(t), 40, stop_at_eos=True)
        s = generate(model, [EOT_ID] + tok.encode(t), 40, 0.8, gen, stop_at_eos=True)
        log("  [greedy] %s|%s" % (t, tok.decode(g)))
        log("  [t=0.8]  %s|%s" % (t, tok.decode(s)))
    log("\ntotal time %.0fs" % (time.time() - t_start))


LICENSE_TEXT = """Corpus used to train kjv-tiny (tokenizer and model)
====================================================

Text: the Authorized (King James) Version of the Bible, 1611, all 31,102 verses.
Source: Debian 12 package `bible-kjv-text` version %(text)s (file /usr/lib/bible.data),
read with the `bible` program from Debian package `bible-kjv` version %(prog)s:
    bible -f -p /usr/lib Gen1:1-Rev22:21

License status: PUBLIC DOMAIN. The copyright of the King James Version text has
expired (it was translated in 1611). (In the United Kingdom the KJV is subject to
the Crown's perpetual letters patent; elsewhere it is in the public domain.)
The derived files in this folder (prompts-*.jsonl, the model) contain or are
derived from that public-domain text only.

Debian's copyright file for bible-kjv-text (/usr/share/doc/bible-kjv-text/copyright),
reproduced verbatim:
----------------------------------------------------------------------------
%(copyright)s----------------------------------------------------------------------------
"""

if __name__ == "__main__":
    main()
