#!/usr/bin/python3
"""
make_gpt2_small.py -- writes a GPT-2-small-shaped decoder with RANDOM weights (fixed seed) as a
model directory the library loads, for the "At real size" benchmarks of iro-bench (RESULTS.md).
Nothing it writes is committed: give it a directory outside git (default iro-bench/target/gpt2-small).

SHAPE (GPT-2 small): 12 layers, 12 heads of 64, hidden 768, MLP 3072 (GELU, tanh form), learned
position embeddings for a 1024-token context, LayerNorm before attention and MLP and after the last
block, biases everywhere, vocabulary 50257, token embedding tied with the output projection:
124,439,808 parameters, 497.8 MB as float32 (one file, well below protobuf's 2 GB limit, so no
external data). The weights are N(0, 0.02) (output projections of each block scaled by
1/sqrt(2 * layers)), biases N(0, 0.02), LayerNorm gains N(1, 0.02) (not all equal, which the
exporter would merge into one tensor): the values do not matter for speed, only shapes and bytes.

TOKENIZER: a byte-level BPE with 50257 ids, so that every id the model can emit decodes to text.
Ids 0-2046 are models/kjv-tiny's tokenizer (its 256 byte symbols and 1791 merges, read from that
directory); ids 2047-50255 are synthetic merges of two byte symbols, in byte order, skipping any
string already in the vocabulary; id 50256 is "<|endoftext|>", BOS and EOS, as in GPT-2. The
synthetic merges are never applied to real text in practice (they rank after the real ones), so
prompts tokenize as with kjv-tiny; the vocabulary width is what matters for the logits and the
embedding bytes. GPT-2's own tokenizer is not used: it cannot be downloaded here.

EXPORT (opset 14, fp32), the Optimum "decoder with past" layout of models/kjv-tiny/make_model.py:
    inputs : input_ids int64 [batch, seq], attention_mask int64 [batch, past + seq],
             position_ids int64 [batch, seq], past_key_values.{i}.key/value float32 [batch, 12, past, 64]
    outputs: logits float32 [batch, seq, 50257], present.{i}.key/value [batch, 12, past + seq, 64],
             last_hidden_state float32 [batch, seq, 768] (after the final LayerNorm)
The tied embedding is stored transposed, [768, 50257], so that the graph holds one copy of it and
the output projection is a plain MatMul (an earlier version used Einsum, as models/kjv-tiny does; ONNX
Runtime's CPU Einsum made a batch-1 step about ten times slower, RESULTS.md "At real size"). Also writes
config.json (with "weight_bytes": the bytes of all initializers), generation_config.json,
tokenizer.json and tokenizer_config.json, and checks with ONNX Runtime (if installed) or PyTorch
that the cached path equals full recomputation.

RUN (Debian's python with python3-torch and python3-onnx; about 1-2 minutes on 2 cores):
    /usr/bin/python3 iro-bench/scripts/make_gpt2_small.py [output-directory]
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "2")

import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 124
CFG = dict(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12, n_inner=3072,
           layer_norm_epsilon=1e-5)
EOT = "<|endoftext|>"
EOT_ID = CFG["vocab_size"] - 1
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KJV_TOKENIZER = os.path.join(REPO, "models", "kjv-tiny", "tokenizer.json")


def log(*a):
    print(*a, flush=True)


# ------------------------------------------------------------------------ tokenizer
def gpt2_sized_tokenizer():
    with open(KJV_TOKENIZER, encoding="utf-8") as f:
        tok = json.load(f)
    old_eot = next(t["id"] for t in tok["added_tokens"] if t["content"] == EOT)
    vocab = {s: i for s, i in tok["model"]["vocab"].items() if s != EOT}
    if sorted(vocab.values()) != list(range(len(vocab))) or old_eot != len(vocab):
        raise RuntimeError("unexpected kjv-tiny vocabulary layout")
    merges = list(tok["model"]["merges"])
    byte_symbols = sorted((s for s, i in vocab.items() if i < 256), key=lambda s: vocab[s])
    for a in byte_symbols:
        for b in byte_symbols:
            if len(vocab) == EOT_ID:
                break
            if a + b not in vocab:
                vocab[a + b] = len(vocab)
                merges.append("%s %s" % (a, b))
    if len(vocab) != EOT_ID:
        raise RuntimeError("not enough synthetic merges: %d" % len(vocab))
    vocab[EOT] = EOT_ID
    tok["model"]["vocab"] = vocab
    tok["model"]["merges"] = merges
    for t in tok["added_tokens"]:
        if t["content"] == EOT:
            t["id"] = EOT_ID
    tok["post_processor"]["special_tokens"][EOT]["ids"] = [EOT_ID]
    return tok


# ---------------------------------------------------------------------------- model
class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["n_embd"]
        self.nh, self.hd = c["n_head"], d // c["n_head"]
        self.ln_1 = nn.LayerNorm(d, eps=c["layer_norm_epsilon"])
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=c["layer_norm_epsilon"])
        self.c_fc = nn.Linear(d, c["n_inner"])
        self.mlp_proj = nn.Linear(c["n_inner"], d)

    def forward(self, x, mask, past_k, past_v):
        B, T, D = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(D, dim=2)
        q = q.view(B, T, self.nh, self.hd).transpose(1, 2)
        k = torch.cat([past_k, k.view(B, T, self.nh, self.hd).transpose(1, 2)], dim=2)
        v = torch.cat([past_v, v.view(B, T, self.nh, self.hd).transpose(1, 2)], dim=2)
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd))
        att = torch.where(mask, att, torch.tensor(-1e9, dtype=att.dtype))
        y = torch.matmul(torch.softmax(att, dim=-1), v).transpose(1, 2).reshape(B, T, D)
        x = x + self.c_proj(y)
        x = x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x, k, v


class Gpt2(nn.Module):
    def __init__(self, c):
        super().__init__()
        # The tied token embedding, stored transposed ([hidden, vocabulary]): the output projection is then
        # a plain MatMul on an initializer, and the input embedding a Gather along axis 1 of the same tensor.
        self.wte_t = nn.Parameter(torch.empty(c["n_embd"], c["vocab_size"]))
        self.wpe = nn.Embedding(c["n_positions"], c["n_embd"])
        self.h = nn.ModuleList([Block(c) for _ in range(c["n_layer"])])
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=c["layer_norm_epsilon"])
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.bias, std=0.02)
            if isinstance(m, nn.LayerNorm):  # not 1/0: equal tensors would be merged by the exporter
                nn.init.normal_(m.weight, mean=1.0, std=0.02)
                nn.init.normal_(m.bias, std=0.02)
        nn.init.normal_(self.wte_t, std=0.02)
        for b in self.h:
            for proj in (b.c_proj, b.mlp_proj):
                nn.init.normal_(proj.weight, std=0.02 / math.sqrt(2 * c["n_layer"]))

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        T = input_ids.shape[1]
        past_len = flat_past[0].shape[2]
        q_pos = torch.arange(T) + past_len
        k_pos = torch.arange(past_len + T)
        mask = (k_pos.unsqueeze(0) <= q_pos.unsqueeze(1)).unsqueeze(0).unsqueeze(0)
        mask = mask & (attention_mask == 1).unsqueeze(1).unsqueeze(2)
        B = input_ids.shape[0]
        tokens = self.wte_t.index_select(1, input_ids.reshape(-1)).t().reshape(B, T, -1)
        x = tokens + self.wpe(position_ids)
        presents = []
        for i, block in enumerate(self.h):
            x, k, v = block(x, mask, flat_past[2 * i], flat_past[2 * i + 1])
            presents += [k, v]
        h = self.ln_f(x)
        logits = torch.matmul(h, self.wte_t)
        return (logits, *presents, h)


def empty_past(batch):
    hd = CFG["n_embd"] // CFG["n_head"]
    return tuple(torch.zeros(batch, CFG["n_head"], 0, hd) for _ in range(2 * CFG["n_layer"]))


def check_cache(model, run):
    """Prefill 5 tokens then 3 more with the cache == all 8 at once (logits of the last 3)."""
    ids = torch.tensor([[EOT_ID, 464, 1110, 286, 5, 77, 2000, 40000]])
    full = run(ids, torch.ones(1, 8, dtype=torch.long), torch.arange(8).unsqueeze(0), *empty_past(1))
    first = run(ids[:, :5], torch.ones(1, 5, dtype=torch.long), torch.arange(5).unsqueeze(0), *empty_past(1))
    rest = run(ids[:, 5:], torch.ones(1, 8, dtype=torch.long), torch.arange(5, 8).unsqueeze(0), *first[1:-1])
    return (rest[0] - full[0][:, 5:]).abs().max().item()


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "iro-bench", "target", "gpt2-small"))
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    model = Gpt2(CFG).eval()
    params = sum(p.numel() for p in model.parameters())
    log("parameters: %d (%.1f MB fp32)" % (params, params * 4 / 1e6))
    with torch.no_grad():
        d = check_cache(model, lambda *a: model(*a))
    log("pytorch kv-cache vs full max abs diff: %.2e" % d)
    assert d < 1e-3

    nl = CFG["n_layer"]
    past_names, present_names = [], []
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
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
    hd = CFG["n_embd"] // CFG["n_head"]
    ex = (torch.randint(0, 2000, (b, s)), torch.ones(b, p + s, dtype=torch.int64),
          torch.arange(p, p + s).unsqueeze(0).repeat(b, 1)) + \
        tuple(torch.randn(b, CFG["n_head"], p, hd) for _ in range(2 * nl))
    onnx_path = os.path.join(out, "model.onnx")
    with torch.no_grad():
        torch.onnx.export(model, ex, onnx_path, opset_version=14,
                          input_names=["input_ids", "attention_mask", "position_ids"] + past_names,
                          output_names=["logits"] + present_names + ["last_hidden_state"],
                          dynamic_axes=dyn, do_constant_folding=True)
    import onnx
    m = onnx.load(onnx_path)
    for vi in m.graph.output:  # Einsum leaves the vocabulary axis symbolic; it is fixed
        if vi.name == "logits":
            vi.type.tensor_type.shape.dim[2].Clear()
            vi.type.tensor_type.shape.dim[2].dim_value = CFG["vocab_size"]
    onnx.save(m, onnx_path)
    onnx.checker.check_model(onnx_path)
    weight_bytes = sum(int(math.prod(t.dims)) * 4 for t in m.graph.initializer)
    log("onnx: %d initializers, %d bytes of weights (%.1f MB), file %.1f MB" % (
        len(m.graph.initializer), weight_bytes, weight_bytes / 1e6, os.path.getsize(onnx_path) / 1e6))
    if weight_bytes != params * 4:
        raise RuntimeError("the graph holds %d weight bytes, the model %d: a duplicated or merged tensor?"
                           % (weight_bytes, params * 4))
    del m

    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]

        def run(ids, mask, pos, *past):
            feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "position_ids": pos.numpy()}
            feed.update({n: t.numpy() for n, t in zip(past_names, past)})
            return [torch.from_numpy(x) for x in sess.run(names, feed)]
        log("onnx runtime kv-cache vs full max abs diff: %.2e" % check_cache(model, run))
    except ImportError:
        log("(onnxruntime for python not installed: the ONNX graph is checked by the Java benchmarks instead)")

    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", **CFG,
              "activation_function": "gelu_new", "tie_word_embeddings": True,
              "bos_token_id": EOT_ID, "eos_token_id": EOT_ID, "torch_dtype": "float32", "use_cache": True,
              "num_parameters": params, "weight_bytes": weight_bytes,
              "note": "random weights (seed %d) from iro-bench/scripts/make_gpt2_small.py; shape only" % SEED}
    files = {
        "config.json": config,
        "generation_config.json": {"bos_token_id": EOT_ID, "eos_token_id": EOT_ID, "max_length": CFG["n_positions"],
                                   "do_sample": True},
        "tokenizer.json": gpt2_sized_tokenizer(),
        "tokenizer_config.json": {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": EOT, "eos_token": EOT,
                                  "unk_token": EOT, "add_bos_token": True, "add_prefix_space": False,
                                  "model_max_length": CFG["n_positions"], "clean_up_tokenization_spaces": False},
    }
    for name, obj in files.items():
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=None if name == "tokenizer.json" else 2)
    log("wrote %s" % out)


if __name__ == "__main__":
    main()
