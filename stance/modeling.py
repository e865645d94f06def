"""One encoder, low-rank adapters, learned target/holder markers, and a small head per task.

A saved model folder holds only what it adds to the PyPI backbone: the adapters, marker embeddings, layer norms
and heads (``adapter.safetensors``, under 10 MiB), the label sets, temperatures, training settings and a
model card. A model built from a bare config (tests) embeds its whole backbone, since no package provides it.
"""
from __future__ import annotations

import copy
import json
import math
import os
import shutil
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from .backbone import ModelError, backbone_path, load_encoder, set_offline
from .encoding import H_OPEN, Item, collate, encode, length_sorted_batches

FORMAT = "stance-model/1"
WEIGHTS = "adapter.safetensors"
BACKBONE_WEIGHTS = "backbone.safetensors"
BRANCHES = "branches"  # a model folder's subfolder of task branches, one model folder per task


_NATIVE_BF16: dict[str, bool] = {}


def bf16_native(device: torch.device | str = "cpu") -> bool:
    """Whether ``device`` multiplies bfloat16 matrices in hardware: a CUDA device that supports it, or an x86 CPU
    with AVX512-BF16 or AMX. Elsewhere (AVX2-only laptops, ARM) torch emulates bfloat16, which runs several times
    slower than fp32 (``python tools/bf16_isa.py``), so ``bf16=True`` then runs in fp32. ``STANCE_BF16=1`` or ``0``
    overrides the check."""
    import os

    kind = torch.device(device).type
    forced = os.environ.get("STANCE_BF16", "").strip()
    if forced:
        if forced not in ("0", "1"):
            raise ValueError(f"STANCE_BF16 must be 0 (never bfloat16) or 1 (always), got {forced!r}; unset it to "
                             f"let the hardware decide")
        return forced == "1"
    if kind not in _NATIVE_BF16:
        if kind == "cuda":
            _NATIVE_BF16[kind] = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        elif kind == "cpu":
            checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
            hw = any(getattr(torch.cpu, f, lambda: False)() for f in checks)
            _NATIVE_BF16[kind] = bool(hw and torch.ops.mkldnn._is_mkldnn_bf16_supported())
        else:
            _NATIVE_BF16[kind] = False
    return _NATIVE_BF16[kind]


class LoRALinear(nn.Module):
    """``base(x) + scale * B(A(x))`` with ``base`` frozen; ``merge()`` folds the update into ``base`` for speed."""

    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0):
        super().__init__()
        self.base, self.r, self.scale = base, r, alpha / r
        self.lora_a = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.drop = nn.Dropout(dropout)
        self.merged = False

    def forward(self, x):
        if self.merged:
            return self.base(x)
        return self.base(x) + (self.drop(x) @ self.lora_a.t() @ self.lora_b.t()) * self.scale

    @torch.no_grad()
    def grow(self, r: int) -> None:
        """Widen the adapter to rank ``r`` without changing the function: the new rows of A start as a fresh
        adapter's do, the new columns of B at zero, and the scale stays (the caller raises alpha with r)."""
        if r < self.r:
            raise ValueError(f"cannot shrink a rank-{self.r} adapter to rank {r}")
        if r == self.r:
            return
        self.merge(False)
        a = torch.empty(r - self.r, self.base.in_features, dtype=self.lora_a.dtype, device=self.lora_a.device)
        nn.init.kaiming_uniform_(a, a=math.sqrt(5))
        b = torch.zeros(self.base.out_features, r - self.r, dtype=self.lora_b.dtype, device=self.lora_b.device)
        self.lora_a = nn.Parameter(torch.cat([self.lora_a, a]))
        self.lora_b = nn.Parameter(torch.cat([self.lora_b, b], dim=1))
        self.r = r

    @torch.no_grad()
    def merge(self, on: bool = True):
        if on != self.merged:
            delta = (self.lora_b @ self.lora_a) * self.scale
            self.base.weight += delta if on else -delta
            self.merged = on


class _Hidden:
    """What ``features`` reads from an encoder's output."""

    def __init__(self, last_hidden_state):
        self.last_hidden_state = last_hidden_state


class TracedEncoder(nn.Module):
    """A transformers encoder run as a TorchScript trace: the same operations without the per-call Python of
    transformers' modules (mask building, output records): a bf16 pass over news-sentence batches on 2 CPU cores
    measured about 9% faster (``python tools/speed_variants.py``). Built by :meth:`trace`, which checks the trace
    against the encoder on two batch shapes it was not traced on and gives ``None`` when it differs or cannot be
    traced."""

    def __init__(self, encoder, traced):
        super().__init__()
        self.eager, self.traced = encoder, traced
        self.config = encoder.config

    def get_input_embeddings(self):
        return self.eager.get_input_embeddings()

    def forward(self, inputs_embeds, attention_mask):
        return _Hidden(self.traced(inputs_embeds, attention_mask))

    @classmethod
    @torch.inference_mode()
    def trace(cls, encoder) -> "TracedEncoder | None":
        import warnings

        class Plain(nn.Module):
            def __init__(self, enc):
                super().__init__()
                self.enc = enc

            def forward(self, x, mask):
                return self.enc(inputs_embeds=x, attention_mask=mask).last_hidden_state

        emb = encoder.get_input_embeddings()
        gen = torch.Generator().manual_seed(0)

        def example(n, length):  # token ids and a mask with padding in every row but the first
            ids = torch.randint(1000, 2000, (n, length), generator=gen)
            mask = torch.ones(n, length, dtype=torch.long)
            for i in range(1, n):
                mask[i, length - 1 - (i % (length - 2)):] = 0
            return emb(ids), mask

        from transformers.utils import logging as hf_logging

        plain = Plain(encoder).eval()
        level = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()  # tracing reads every attribute, and transformers logs about some
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                traced = torch.jit.trace(plain, example(2, 9), strict=False, check_trace=False)
                for n, length in ((3, 14), (5, 6)):
                    x, mask = example(n, length)
                    want, got = plain(x, mask).float(), traced(x, mask).float()
                    if got.shape != want.shape or not torch.allclose(got, want, rtol=1e-2, atol=1e-2):
                        return None
        except Exception:  # a backbone that cannot be traced keeps its eager modules
            return None
        finally:
            hf_logging.set_verbosity(level)
        return cls(encoder, traced)


class Head(nn.Module):
    def __init__(self, d_in: int, d_hidden: int, n_out: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(d_in, d_hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(d_hidden, n_out))

    def forward(self, x):
        return self.net(x)


class StanceModel(nn.Module):
    """Encoder + adapters + heads. ``tasks`` maps a task name to its ordered label list.

    >>> m = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]})
    >>> m.predict_proba([Item("Biden praised the deal.", 0, 5)], "sentiment").shape
    (1, 3)
    """

    def __init__(self, encoder, tokenizer, tasks: dict[str, list[str]], *, backbone: str | None = "minilm",
                 lora_r: int = 16, lora_alpha: float = 32.0, lora_dropout: float = 0.05, head_dropout: float = 0.1,
                 max_length: int = 128):
        super().__init__()
        self.encoder, self.tokenizer = encoder, tokenizer
        self.backbone = backbone  # None: the backbone is embedded in the saved folder
        self.hp = {"lora_r": lora_r, "lora_alpha": lora_alpha, "lora_dropout": lora_dropout,
                   "head_dropout": head_dropout, "max_length": max_length}
        for p in self.encoder.parameters():
            p.requires_grad = False
        layers = self.encoder.encoder if hasattr(self.encoder, "encoder") else self.encoder
        for name, mod in list(layers.named_modules()):
            for cname, child in list(mod.named_children()):
                if isinstance(child, nn.Linear):
                    setattr(mod, cname, LoRALinear(child, lora_r, lora_alpha, lora_dropout))
        for mod in self.encoder.modules():
            if isinstance(mod, nn.LayerNorm):
                for p in mod.parameters():
                    p.requires_grad = True
        h = self.encoder.config.hidden_size
        self.hidden = h
        self.markers = nn.Parameter(torch.randn(4, h) * 0.02)
        self.heads = nn.ModuleDict()
        self.labels: dict[str, list[str]] = {}
        self.temperature: dict[str, float] = {}
        for task, labels in tasks.items():
            self.add_task(task, labels)
        self.info: dict = {}
        # task -> a model with adapters and a head of its own, on the same backbone, that answers that task (this
        # one then has no head for it); see attach_branch
        self.branches: dict[str, StanceModel] = {}

    # -- construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_backbone(cls, tasks: dict[str, list[str]], backbone: str = "minilm", **kw) -> "StanceModel":
        from transformers import AutoTokenizer

        set_offline()
        path = backbone_path(backbone)
        enc = load_encoder(path)
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        return cls(enc, tok, tasks, backbone=backbone, **kw)

    @classmethod
    def tiny(cls, tasks: dict[str, list[str]], seed: int = 0, **kw) -> "StanceModel":
        """A small randomly initialised model (2 layers, width 32) for tests; uses the MiniLM tokenizer."""
        from transformers import AutoTokenizer, BertConfig, BertModel

        set_offline()
        torch.manual_seed(seed)
        tok = AutoTokenizer.from_pretrained(backbone_path("minilm"), local_files_only=True)
        cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=256)
        kw.setdefault("lora_r", 4)
        kw.setdefault("lora_alpha", 8)
        return cls(BertModel(cfg, add_pooling_layer=False), tok, tasks, backbone=None, **kw)

    def add_task(self, task: str, labels: Sequence[str]) -> None:
        labels = list(labels)
        dup = sorted({l for l in labels if labels.count(l) > 1})
        if dup:
            raise ValueError(f"task {task!r}: label(s) {dup} given more than once in {labels}")
        if any(not isinstance(l, str) or not l.strip() for l in labels):
            raise ValueError(f"task {task!r}: labels must be non-empty strings, got {labels}")
        if len(labels) < 2:
            raise ValueError(f"task {task!r}: need at least two labels, got {labels}")
        self.heads[task] = Head(3 * self.hidden, self.hidden, len(labels), self.hp["head_dropout"])
        self.labels[task] = labels
        self.temperature[task] = 1.0

    def extend_labels(self, task: str, new_labels: Sequence[str]) -> None:
        """Add labels to a task's head, keeping what the old rows learned (few-shot extension)."""
        if task in self.branches:  # the branch's head answers the task
            self.branches[task].extend_labels(task, new_labels)
            self._mirror(task)
            return
        old = self.heads[task].net[-1]
        add = [l for l in new_labels if l not in self.labels[task]]
        if not add:
            return
        new = nn.Linear(old.in_features, old.out_features + len(add))
        with torch.no_grad():
            new.weight[: old.out_features] = old.weight
            new.bias[: old.out_features] = old.bias
            new.weight[old.out_features:].normal_(0, 0.02)
            new.bias[old.out_features:] = old.bias.mean()
        self.heads[task].net[-1] = new
        self.labels[task] = self.labels[task] + add

    # -- branches ------------------------------------------------------------------------------------------------
    def attach_branch(self, task: str, branch: "StanceModel") -> None:
        """Let ``branch``, a model with its own adapters on the same backbone, answer ``task`` (one more encoder
        pass for that task; the other tasks keep the shared adapters). The branch keeps only its ``task`` head;
        this model's own head of the task, never used while the branch answers, is removed (the task's labels
        and temperature are the branch's). :meth:`detach_branch` takes the task away with its branch.

        >>> m = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"], "stance": ["favor", "against"]})
        >>> m.attach_branch("sentiment", m.new_branch("sentiment"))
        >>> sorted(m.branches), sorted(m.heads), sorted(m.labels)
        (['sentiment'], ['stance'], ['sentiment', 'stance'])
        """
        if task not in self.labels:
            raise ValueError(f"no task {task!r} to branch; this model has {sorted(self.labels)}")
        if task not in branch.labels:
            raise ValueError(f"the branch has no {task!r} head; it has {sorted(branch.labels)}")
        if branch.labels[task] != self.labels[task]:
            raise ValueError(f"the branch's {task!r} labels {branch.labels[task]} differ from this model's "
                             f"{self.labels[task]}")
        if branch.branches:
            raise ValueError("a branch cannot have branches of its own")
        if branch.tokenizer.get_vocab() != self.tokenizer.get_vocab():
            raise ValueError("the branch uses another tokenizer; a branch must share this model's backbone")
        for t in [t for t in branch.labels if t != task]:
            branch.drop_task(t)
        if task in self.heads:
            del self.heads[task]
        self.branches[task] = branch
        self._mirror(task)
        self.__dict__.pop("_twin", None)

    def _mirror(self, task: str) -> None:
        """A branched task's labels and temperature, as its branch has them (what ``labels`` and callers read)."""
        b = self.branches[task]
        self.labels[task], self.temperature[task] = list(b.labels[task]), b.temperature[task]

    def new_branch(self, task: str) -> "StanceModel":
        """A copy of this model that keeps only ``task``'s head, to be trained on that task alone and attached
        with :meth:`attach_branch` (it starts from the shared adapters, so it starts from this model's answers)."""
        if task not in self.labels:
            raise ValueError(f"no task {task!r} to branch; this model has {sorted(self.labels)}")
        if task in self.branches:
            raise ValueError(f"{task!r} has a branch already; train model.branches[{task!r}] instead")
        b = self._bare_copy()
        for t in [t for t in b.labels if t != task]:
            b.drop_task(t)
        b.info = {}
        return b

    def _bare_copy(self) -> "StanceModel":
        """A deep copy that shares the tokenizer and leaves the branches behind, and with them the branched tasks
        (it has no head for them); a pickle or copy also leaves the bf16 copy behind: ``__getstate__``."""
        tok, branches = self.tokenizer, self.branches
        self.tokenizer, self.branches = None, {}
        try:
            c = copy.deepcopy(self)
        finally:
            self.tokenizer, self.branches = tok, branches
        c.tokenizer = tok
        for t in branches:
            c.labels.pop(t)
            c.temperature.pop(t)
        return c

    def detach_branch(self, task: str) -> "StanceModel":
        """Remove ``task``'s branch, and with it the task (this model has no head of its own for it); return it."""
        if task not in self.branches:
            raise KeyError(f"no branch for {task!r}; branches: {sorted(self.branches)}")
        self.labels.pop(task)
        self.temperature.pop(task)
        return self.branches.pop(task)

    def _apply(self, fn, *args, **kwargs):  # .to(), .cuda(), .float(): the branches follow
        out = super()._apply(fn, *args, **kwargs)
        for b in self.__dict__.get("branches", {}).values():
            b._apply(fn, *args, **kwargs)
        return out

    def train(self, mode: bool = True):
        super().train(mode)
        for b in self.__dict__.get("branches", {}).values():
            b.train(mode)
        return self

    # -- forward --------------------------------------------------------------------------------------------------
    def lora_modules(self):
        return [m for m in self.modules() if isinstance(m, LoRALinear)]

    def grow_adapters(self, r: int) -> None:
        """Raise every adapter's rank to ``r`` (a later training stage gets more capacity). The model computes the
        same function afterwards; ``lora_alpha`` grows with the rank so the adapters' scale is unchanged, and a
        saved folder records the new rank, so it loads as a rank-``r`` model."""
        scale = self.hp["lora_alpha"] / self.hp["lora_r"]
        for m in self.lora_modules():
            m.grow(r)
        self.hp["lora_r"], self.hp["lora_alpha"] = r, scale * r
        self.__dict__.pop("_twin", None)

    def merge_adapters(self, on: bool = True) -> None:
        for m in self.lora_modules():
            m.merge(on)

    @property
    def device(self) -> torch.device:
        return self.markers.device

    def features(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        dev = self.device
        if batch["input_ids"].device != dev:
            batch = {k: v.to(dev, non_blocking=True) for k, v in batch.items()}
        emb = self.encoder.get_input_embeddings()(batch["input_ids"])
        mk = batch["markers"]
        if (mk > 0).any():
            emb = torch.where((mk > 0).unsqueeze(-1), self.markers.to(emb.dtype)[(mk - 1).clamp(min=0)], emb)
        att = batch["attention_mask"]
        hs = self.encoder(inputs_embeds=emb, attention_mask=att).last_hidden_state
        idx = torch.arange(hs.size(0), device=hs.device)
        tgt = hs[idx, batch["target_pos"]]
        hpos = batch["holder_pos"]
        hold = hs[idx, hpos.clamp(min=0)] * (hpos >= 0).unsqueeze(-1).to(hs.dtype)
        m = att.unsqueeze(-1).to(hs.dtype)
        mean = (hs * m).sum(1) / m.sum(1).clamp(min=1)
        return torch.cat([tgt, mean, hold], dim=-1)

    def forward(self, batch: dict[str, torch.Tensor], task: str) -> torch.Tensor:
        return self.heads[task](self.features(batch))

    # -- inference -------------------------------------------------------------------------------------------------
    @torch.inference_mode()
    def logits(self, items: Sequence[Item], tasks: Sequence[str], batch_size: int = 64, bf16: bool = True,
               progress: bool = False, encoded=None) -> dict[str, torch.Tensor]:
        """Temperature-scaled logits of several heads from one encoder pass per item (length-sorted batches).
        ``encoded``: the items already run through :func:`stance.encoding.encode` with this model's tokenizer.
        A task with a branch (:meth:`attach_branch`) is answered by the branch, in a pass of its own."""
        routed = [t for t in tasks if t in self.branches]
        if routed:
            out = self.logits(items, [t for t in tasks if t not in self.branches], batch_size, bf16, progress,
                              encoded) if len(routed) < len(tasks) else {}
            for t in routed:
                b = self.branches[t]
                same = b.hp["max_length"] == self.hp["max_length"]
                out.update(b.logits(items, [t], batch_size, bf16, progress, encoded if same else None))
            return {t: out[t] for t in tasks}
        was_training = self.training
        self.eval()
        self.merge_adapters(True)
        bf16 = bf16 and bf16_native(self.device)
        try:
            enc = encoded if encoded is not None else encode(self.tokenizer, items, self.hp["max_length"])
            out = {t: torch.empty(len(items), len(self.labels[t])) for t in tasks}
            batches = length_sorted_batches([len(e.input_ids) for e in enc], batch_size)
            it = batches
            if progress:
                from tqdm.auto import tqdm

                it = tqdm(batches, desc="scoring", unit="batch")
            # bf16 on a CPU: a bfloat16 copy of the merged weights (autocast would re-cast every weight on every
            # batch, which costs more than the matmuls at these sizes); on a GPU autocast is cheap.
            twin = bf16 and self.device.type == "cpu"
            net = self.bf16_twin() if twin else self
            for b in it:
                batch = collate([enc[i] for i in b], self.tokenizer.pad_token_id or 0)
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=bf16 and not twin):
                    feats = net.features(batch)
                    for t in tasks:
                        out[t][b] = (net.heads[t](feats).float() / self.temperature[t]).cpu()
            return out
        finally:
            if was_training:
                self.train()

    def bf16_twin(self) -> "StanceModel":
        """A bfloat16 copy of this model for CPU inference, rebuilt whenever a weight of this one changed since
        (every in-place change, an optimiser step or a merge, bumps a tensor's version counter)."""
        key = (self.device.type, tuple(self.heads), tuple(p._version for p in self.parameters()))
        cached = self.__dict__.get("_twin")
        if cached is None or cached[0] != key:
            twin = self._bare_copy()  # the branches make bf16 copies of their own
            twin.to(torch.bfloat16).eval()
            # the plain matmul-softmax-matmul attention: at these lengths (tens of tokens), in bfloat16 on the
            # 2-core CPUs here, it measured no slower than the fused kernel and at times faster
            # (tools/speed_variants.py; the differences were within the machine's drift), same predictions
            if self.device.type == "cpu" and hasattr(twin.encoder, "set_attn_implementation"):
                try:
                    twin.encoder.set_attn_implementation("eager")
                except (ValueError, NotImplementedError):  # a backbone with one implementation keeps it
                    pass
            if self.device.type == "cpu":
                traced = TracedEncoder.trace(twin.encoder)
                if traced is not None:
                    twin.encoder = traced
            self.__dict__["_twin"] = (key, twin)
        return self.__dict__["_twin"][1]

    def __getstate__(self):
        # a copy or a pickle of the model (estimator.fit, Ray workers) leaves the bf16 copy behind; it is remade
        state = dict(super().__getstate__())
        state.pop("_twin", None)
        return state

    def predict_proba(self, items: Sequence[Item], task: str, **kw):
        return torch.softmax(self.logits(items, [task], **kw)[task], -1).numpy()

    # -- persistence -----------------------------------------------------------------------------------------------
    def trainable_state(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.named_parameters() if v.requires_grad}

    def drop_task(self, task: str) -> None:
        """Remove a task's head (a recipe may train a task only to help the others and not ship its head)."""
        if task not in self.labels:
            raise KeyError(f"no task {task!r}; this model has {list(self.labels)}")
        if self.branches.pop(task, None) is None:
            del self.heads[task]
        self.labels.pop(task)
        self.temperature.pop(task)

    def save(self, path: str | Path, card: str | None = None, dtype: str | None = None,
             branch_dtype: str | None = None) -> Path:
        """Write the model folder. ``dtype="float16"`` stores the adapters and heads at half size (they are
        loaded back into float32); ``branch_dtype`` does so for the branches (default: ``dtype``), each in
        ``branches/TASK/``, a model folder of its own."""
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.merge_adapters(False)
        # Every file goes to a temporary name first and replaces the old one only once all are written (config.json
        # last): a save stopped while writing leaves the folder's earlier model whole, also when a model is retrained
        # in its own folder. The swap itself is a few renames, not one: a folder is not meant to be loaded while it
        # is being saved.
        staged: list[tuple[Path, Path]] = []

        mask = os.umask(0)
        os.umask(mask)

        def stage(name: str, write) -> None:
            tmp = path / f".{name}.saving"
            write(tmp)
            os.chmod(tmp, 0o666 & ~mask)  # as a plain file would be (safetensors writes 0600)
            staged.append((tmp, path / name))

        new_branches, old_branches = path / f".{BRANCHES}.saving", path / f".{BRANCHES}.old"
        try:
            cast = getattr(torch, dtype) if dtype else None
            state = {k: (v.to(cast) if cast is not None and v.is_floating_point() else v).contiguous().cpu()
                     for k, v in self.trainable_state().items()}
            stage(WEIGHTS, lambda t: save_file(state, str(t)))
            if self.backbone is None:
                plain = {k.replace(".base.", "."): v.contiguous().cpu() for k, v in self.encoder.state_dict().items()
                         if ".lora_" not in k}  # the plain backbone: adapters go to WEIGHTS
                stage(BACKBONE_WEIGHTS, lambda t: save_file(plain, str(t)))
            cfg = {"format": FORMAT, "backbone": self.backbone, "tasks": self.labels, "temperature": self.temperature,
                   "hyperparameters": self.hp, "encoder_config": self.encoder.config.to_dict(), "info": self.info}
            if self.branches:
                cfg["branches"] = sorted(self.branches)
            shutil.rmtree(new_branches, ignore_errors=True)
            for t, b in self.branches.items():
                b.save(new_branches / t, dtype=branch_dtype or dtype)
            stage("config.json", lambda t: t.write_text(json.dumps(cfg, indent=2, default=str)))
        except BaseException:  # stopped before the swap: the folder keeps its earlier model, without our leftovers
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            shutil.rmtree(new_branches, ignore_errors=True)
            raise
        # the swap: renames only
        shutil.rmtree(old_branches, ignore_errors=True)
        if (path / BRANCHES).exists():
            (path / BRANCHES).rename(old_branches)
        if new_branches.exists():
            new_branches.rename(path / BRANCHES)  # a branch detached since the last save is gone with the old ones
        for tmp, final in staged:
            os.replace(tmp, final)
        shutil.rmtree(old_branches, ignore_errors=True)
        if card is not None:
            (path / "README.md").write_text(card)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "StanceModel":
        from safetensors import SafetensorError
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        set_offline()
        path = Path(path)
        cfg_file = path / "config.json"
        if not cfg_file.exists():
            raise ModelError(f"{path}: not a stance model folder (no config.json)")
        try:
            cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ModelError(f"{cfg_file}: corrupt config ({e})") from e
        if not isinstance(cfg, dict) or cfg.get("format") != FORMAT:
            fmt = cfg.get("format") if isinstance(cfg, dict) else None
            raise ModelError(f"{path}: not a stance model folder (config format {fmt!r}, "
                             f"expected {FORMAT!r}); a plain transformers model needs StanceClassifier(...).fit first")
        lacking = [k for k in ("hyperparameters", "backbone", "tasks") if k not in cfg]
        if lacking or not isinstance(cfg["tasks"], dict) or not isinstance(cfg["hyperparameters"], dict):
            raise ModelError(f"{cfg_file}: corrupt config (missing or malformed {', '.join(lacking) or 'tasks'})")
        hp = cfg["hyperparameters"]
        if cfg["backbone"] is None:
            ecfg = dict(cfg["encoder_config"])
            mtype = ecfg.pop("model_type")
            enc = AutoModel.from_config(AutoConfig.for_model(mtype, **ecfg))
            try:
                missing, _ = enc.load_state_dict(load_file(str(path / BACKBONE_WEIGHTS)), strict=False)
                if [k for k in missing if not k.startswith("pooler.")]:
                    raise RuntimeError(f"missing tensors {missing[:3]}")
            except (FileNotFoundError, SafetensorError, RuntimeError) as e:
                raise ModelError(f"{path / BACKBONE_WEIGHTS}: missing or corrupt embedded backbone ({e})") from e
            tok = AutoTokenizer.from_pretrained(backbone_path("minilm"), local_files_only=True)
        else:
            bp = backbone_path(cfg["backbone"])
            enc = load_encoder(bp)
            tok = AutoTokenizer.from_pretrained(bp, local_files_only=True)
        branched = cfg.get("branches") or []
        temps = cfg.get("temperature")
        no_temp = [t for t in cfg["tasks"] if t not in branched and not (isinstance(temps, dict) and t in temps)]
        if no_temp:
            raise ModelError(f"{cfg_file}: corrupt config (no calibration temperature for task(s) {no_temp})")
        try:
            model = cls(enc, tok, {t: l for t, l in cfg["tasks"].items() if t not in branched},
                        backbone=cfg["backbone"], **hp)
        except TypeError as e:  # a hyperparameter this version does not know
            raise ModelError(f"{cfg_file}: corrupt config (hyperparameters: {e})") from e
        try:
            state = load_file(str(path / WEIGHTS))
        except (FileNotFoundError, SafetensorError, OSError) as e:
            raise ModelError(f"{path / WEIGHTS}: missing or corrupt adapter weights ({e})") from e
        own = dict(model.named_parameters())
        missing = [k for k, v in own.items() if v.requires_grad and k not in state]
        unknown = [k for k in state if k not in own]
        if missing or unknown:
            raise ModelError(f"{path / WEIGHTS}: weights do not match the config (missing {missing[:3]}, "
                             f"unexpected {unknown[:3]})")
        with torch.no_grad():
            for k, v in state.items():
                if own[k].shape != v.shape:
                    raise ModelError(f"{path / WEIGHTS}: {k} has shape {tuple(v.shape)}, expected "
                                     f"{tuple(own[k].shape)}")
                own[k].copy_(v)
        try:
            model.temperature = {k: float(v) for k, v in cfg["temperature"].items() if k not in branched}
        except (TypeError, ValueError) as e:
            raise ModelError(f"{cfg_file}: corrupt config (a temperature is not a number: {e})") from e
        model.info = cfg.get("info", {})
        for t in branched:
            if t not in cfg["tasks"] or not (path / BRANCHES / t / "config.json").exists():
                raise ModelError(f"{path}: config names a {t!r} branch but {path / BRANCHES / t} is missing "
                                 f"or the config has no {t!r} task")
            model.labels[t] = list(cfg["tasks"][t])  # attach_branch checks the branch's labels against these
            model.attach_branch(t, cls.load(path / BRANCHES / t))
        model.eval()
        return model
