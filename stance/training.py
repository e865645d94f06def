"""Multi-task fine-tuning: AdamW with warm-up and linear decay, length-sorted dynamic-padding batches, fixed
seeds, early stopping on dev, optional bf16 autocast, temperature calibration on dev, a log file."""
from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from .calibration import expected_calibration_error, fit_temperature
from .encoding import Item, collate, encode
from .modeling import bf16_native

log = logging.getLogger("stance.training")


@dataclass
class TrainingArguments:
    """Settings of one fine-tuning run (saved in the model folder)."""

    epochs: float = 3.0
    batch_size: int = 32
    learning_rate: float = 8e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    seed: int = 42
    bf16: bool = True
    patience: int = 3
    evals_per_epoch: int = 2
    max_per_task_per_epoch: dict[str, int] = field(default_factory=dict)
    max_dev_per_task: int = 800
    # Loss weight of a class = (n / (k * n_class)) ** power: 0 plain cross-entropy, 1 fully balanced. Macro-F1
    # rewards the rare classes, so a positive power trades a little accuracy for recall on them.
    class_weight_power: float = 0.0
    threads: int | None = None
    # "cpu", "cuda", ...; None: a GPU when torch sees one, else the CPU. The saved model loads on the CPU either way.
    device: str | None = None
    # Stop (keeping the best dev state so far) once this many seconds of training have passed.
    max_seconds: float | None = None
    # Stop at this step (the schedule still spans ``epochs``): repeats a run that a time budget cut short.
    stop_at_step: int | None = None
    log_file: str | None = None
    # Distillation, for tasks whose TaskData carries a teacher's probabilities (``soft``): the loss is
    # ``distill_alpha`` x the teacher term (KL divergence at ``distill_temperature``, scaled by its square) plus the
    # rest x the usual cross-entropy on the gold labels. Tasks without ``soft`` train as before.
    distill_alpha: float = 0.5
    distill_temperature: float = 2.0


@dataclass
class TaskData:
    """Items with gold label ids; ``soft`` optionally holds a teacher's probabilities (one row per item)."""

    items: list[Item]
    labels: list[int]
    soft: list[list[float]] | None = None

    def __post_init__(self):
        if len(self.items) != len(self.labels):
            raise ValueError(f"{len(self.items)} items but {len(self.labels)} labels")
        if self.soft is not None and len(self.soft) != len(self.items):
            raise ValueError(f"{len(self.items)} items but {len(self.soft)} rows of teacher probabilities")


def _macro_f1(y, p, n):
    """Macro-F1 over the labels the dev rows hold: a label no dev row has would only add a zero (a few-shot dev set
    that holds 2 of 8 labels, all right, scores 1.0, not 0.25). A label predicted but never gold scores 0 either
    way, so for one dev set this is the macro-F1 over all ``n`` labels times a constant: the same steps win."""
    from sklearn.metrics import f1_score

    present = sorted({int(v) for v in y})
    return float(f1_score(y, p, labels=present or list(range(n)), average="macro", zero_division=0))


def _batches(data: dict[str, TaskData], enc: dict[str, list], args: TrainingArguments, rng: random.Random):
    """One epoch's batches: per task a random subset (capped), bucketed by length, then all tasks shuffled."""
    out = []
    for task, d in data.items():
        idx = list(range(len(d.items)))
        rng.shuffle(idx)
        cap = args.max_per_task_per_epoch.get(task)
        if cap:
            idx = idx[:cap]
        chunk = args.batch_size * 50  # sort within chunks: similar lengths, still random across the epoch
        for c in range(0, len(idx), chunk):
            part = sorted(idx[c:c + chunk], key=lambda i: len(enc[task][i].input_ids))
            out += [(task, part[i:i + args.batch_size]) for i in range(0, len(part), args.batch_size)]
    rng.shuffle(out)
    return out


def evaluate_dev(model, dev: dict[str, TaskData], bf16: bool) -> dict[str, float]:
    scores = {}
    for task, d in dev.items():
        pred = model.logits(d.items, [task], bf16=bf16)[task].argmax(-1).numpy()
        scores[task] = _macro_f1(d.labels, pred, len(model.labels[task]))
    return scores


def train(model, train_data: dict[str, TaskData], dev_data: dict[str, TaskData] | None,
          args: TrainingArguments, progress: bool = True) -> dict:
    """Fine-tune ``model`` (a :class:`stance.modeling.StanceModel`) in place; return the history.

    Keeps the trainable state of the best dev score (mean macro-F1 over tasks) and calibrates one temperature per
    task on dev. Without dev data it trains for ``epochs`` and keeps the last state. A task that the model
    answers with a branch (``model.branches``) is trained on the branch, ``train(model.branches[task], ...)``.
    """
    routed = sorted(set(train_data) & set(getattr(model, "branches", {})))
    if routed:
        raise ValueError(f"task {routed[0]!r} is answered by the model's {routed[0]!r} branch, so training its "
                         f"shared head would change nothing; train model.branches[{routed[0]!r}] instead, or "
                         f"remove the branch with model.detach_branch({routed[0]!r})")
    handler = None
    if args.log_file:
        Path(args.log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(args.log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        return _train(model, train_data, dev_data, args, progress)
    finally:
        if handler:
            log.removeHandler(handler)
            handler.close()


def _train(model, train_data, dev_data, args, progress):
    # Adapter updates and Adam moments get tiny: denormal floats make CPU kernels several times slower.
    torch.set_flush_denormal(True)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model.to(device)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    maxlen = model.hp["max_length"]
    enc = {t: encode(model.tokenizer, d.items, maxlen) for t, d in train_data.items()}
    if dev_data:
        drng = random.Random(args.seed + 1)
        trimmed = {}
        for t, d in dev_data.items():
            idx = list(range(len(d.items)))
            if len(idx) > args.max_dev_per_task:
                idx = sorted(drng.sample(idx, args.max_dev_per_task))
            trimmed[t] = TaskData([d.items[i] for i in idx], [d.labels[i] for i in idx])
        dev_data = trimmed
    n_per_epoch = sum(min(len(d.items), args.max_per_task_per_epoch.get(t) or len(d.items))
                      for t, d in train_data.items())
    steps_per_epoch = max(1, -(-n_per_epoch // args.batch_size))
    total = max(1, int(steps_per_epoch * args.epochs))
    warm = max(1, int(total * args.warmup_ratio))
    weights = {}
    for t, d in train_data.items():
        k = len(model.labels[t])
        counts = np.bincount(d.labels, minlength=k).astype(float)
        w = (len(d.labels) / (k * np.maximum(counts, 1))) ** args.class_weight_power
        weights[t] = torch.tensor(w / (w * counts).sum() * counts.sum(), dtype=torch.float32, device=device)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.learning_rate)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    eval_every = max(1, steps_per_epoch // max(1, args.evals_per_epoch))
    history = {"args": asdict(args), "steps": total, "evals": []}
    best, best_state, bad = -1.0, None, 0
    model.merge_adapters(False)
    model.train()
    step, t0, seen = 0, time.time(), 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="training", unit="step")
    log.info("training %d steps (%d per epoch) on %s, tasks %s", total, steps_per_epoch, device,
             {t: len(d.items) for t, d in train_data.items()})
    stop = False
    while step < total and not stop:
        for task, idx in _batches(train_data, enc, args, rng):
            batch = collate([enc[task][i] for i in idx], model.tokenizer.pad_token_id or 0)
            y = torch.tensor([train_data[task].labels[i] for i in idx], device=device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16 and bf16_native(device)):
                logits = model(batch, task)
            loss = torch.nn.functional.cross_entropy(logits.float(), y, weight=weights[task])
            soft = train_data[task].soft
            if soft is not None and args.distill_alpha > 0:
                T = args.distill_temperature
                teacher = torch.tensor([soft[i] for i in idx], dtype=torch.float32, device=device)
                # the teacher's probabilities at temperature T (softmax of log p / T), against the student's
                teacher = torch.softmax(torch.log(teacher.clamp_min(1e-8)) / T, -1)
                kd = torch.nn.functional.kl_div(torch.log_softmax(logits.float() / T, -1), teacher,
                                                reduction="batchmean") * T * T
                loss = args.distill_alpha * kd + (1 - args.distill_alpha) * loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            seen += len(idx)
            if bar:
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", task=task)
            if step % 50 == 0:
                log.info("step %d/%d task %s loss %.4f lr %.2e %.1f ex/s", step, total, task, loss.item(),
                         sched.get_last_lr()[0], seen / (time.time() - t0))
            out_of_time = (bool(args.max_seconds) and time.time() - t0 > args.max_seconds) or \
                bool(args.stop_at_step and step >= args.stop_at_step)
            if dev_data and (step % eval_every == 0 or step == total or out_of_time):
                scores = evaluate_dev(model, dev_data, args.bf16)
                model.merge_adapters(False)
                model.train()
                mean = float(np.mean(list(scores.values())))
                history["evals"].append({"step": step, "epoch": step / steps_per_epoch, "dev": scores,
                                         "mean": mean})
                log.info("eval step %d epoch %.2f dev %s mean %.4f", step, step / steps_per_epoch,
                         json.dumps({k: round(v, 4) for k, v in scores.items()}), mean)
                if mean > best:
                    best, best_state, bad = mean, model.trainable_state(), 0
                else:
                    bad += 1
                    if bad >= args.patience and step < total:
                        log.info("early stop at step %d (no better dev mean in %d evaluations)", step, bad)
                        stop = True
                        break
            if out_of_time:
                log.info("stopping at step %d (time budget %s s, stop_at_step %s)", step, args.max_seconds,
                         args.stop_at_step)
                history["stopped_by_time"] = step
                stop = True
                break
            if step >= total:
                break
    if bar:
        bar.close()
    if best_state is not None:
        with torch.no_grad():
            for k, v in model.named_parameters():
                if k in best_state:
                    v.copy_(best_state[k])
        history["best_dev_mean"] = best
        history["best_step"] = max((e for e in history["evals"] if e["mean"] == best), key=lambda e: -e["step"])["step"]
        log.info("kept the weights of step %d (dev mean %.4f)", history["best_step"], best)
    elif not dev_data:
        log.info("no dev set: the weights of the last step are kept, without early stopping or calibration")
    model.eval()
    if dev_data:
        history["calibration"] = calibrate(model, dev_data, args.bf16)
    history["train_seconds"] = time.time() - t0
    log.info("done: %s", json.dumps({k: v for k, v in history.items() if k != "evals"}, default=str))
    return history


def calibrate(model, dev: dict[str, TaskData], bf16: bool = True) -> dict:
    """Fit one temperature per task on dev; report the dev ECE before and after."""
    report = {}
    for task, d in dev.items():
        model.temperature[task] = 1.0
        logits = model.logits(d.items, [task], bf16=bf16)[task]
        y = torch.tensor(d.labels)  # logits() returns CPU tensors
        t = fit_temperature(logits, y)
        before = expected_calibration_error(torch.softmax(logits, -1).numpy(), y.numpy())
        after = expected_calibration_error(torch.softmax(logits / t, -1).numpy(), y.numpy())
        model.temperature[task] = t
        report[task] = {"temperature": t, "dev_ece_before": before, "dev_ece_after": after}
    return report


def task_data(rows, labels: Sequence[str]) -> TaskData:
    """Rows of the common schema (a Dataset, DataFrame or dicts) to items and label ids."""
    from .inputs import as_items, labels_of

    items = as_items(rows)
    ys = labels_of(rows, None)
    index = {l: i for i, l in enumerate(labels)}
    bad = [(n, y) for n, y in enumerate(ys) if y not in index]
    if bad:
        n, y = bad[0]
        raise ValueError(f"row {n}: label {y!r} is not one of {list(labels)} ({len(bad)} such rows)")
    return TaskData(items, [index[y] for y in ys])
