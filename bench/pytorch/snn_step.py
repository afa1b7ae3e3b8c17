"""PyTorch reference of spikelens's SNN BPTT training step, for bench/snn-step.ts.

The same network and step as bench/backend.ts's SNN workload, written directly in PyTorch (no
snnTorch): VGG11 (width x0.125 by default) for 64x64x3 input and 10 classes; conv3x3 pad 1 with no
bias, each followed by BNTT (one BatchNorm per time step, eps 1e-4, momentum 0.1, scale only) and
LIF (leak 0.99, threshold 1, integrate-then-fire, soft reset whose spike carries no gradient,
surrogate dS/du = 0.3 max(0, 1 - |u/theta - 1|)); average pooling after conv1, conv2, conv4 and
conv6, global average pooling after conv8; fc1 + BNTT + LIF; fc2 accumulated over the steps with
no leak and no spike, logits = accumulated / T. Input: signed Poisson spikes of the
ImageNet-normalised images, fresh every step. One step = forward over all T steps one at a time,
backward, Adam update.

Usage: bench/.venv-torch/bin/python bench/pytorch/snn_step.py [--batch 32] [--timesteps 8]
       [--reps 3] [--warmup 1] [--width 0.125] [--threads N (default: all cores)]
Prints one JSON line: ms_per_image_samples, median_ms_per_image, peak_rss_mb, torch_version, threads
(plus omp_wait_policy and the last loss). On a busy machine set OMP_WAIT_POLICY=PASSIVE: with
OpenMP's default spin-waiting, 2 threads on 2 loaded cores ran ~10x slower than 1 thread.
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VGG11_CHANNELS = (64, 128, 256, 256, 512, 512, 512, 512)
VGG11_POOL_AFTER = {0, 1, 3, 5}
VGG11_FC_HIDDEN = 4096
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
LEAK = 0.99
THRESHOLD = 1.0
SURROGATE_SCALE = 0.3
BNTT_EPS = 1e-4
BNTT_MOMENTUM = 0.1


class SpikeFn(torch.autograd.Function):
    """Heaviside H(u - theta) with the piecewise-linear surrogate gradient of the BNTT code."""

    @staticmethod
    def forward(ctx, u):
        ctx.save_for_backward(u)
        return (u > THRESHOLD).to(u.dtype)

    @staticmethod
    def backward(ctx, grad_out):
        (u,) = ctx.saved_tensors
        surrogate = SURROGATE_SCALE * torch.clamp(1.0 - torch.abs(u / THRESHOLD - 1.0), min=0.0)
        return grad_out * surrogate


def lif_step(u, current):
    """Integrate-then-fire LIF with soft reset; the reset's spike is detached (no gradient)."""
    u = current if u is None else LEAK * u + current
    s = SpikeFn.apply(u)
    return s, u - THRESHOLD * s.detach()


def bntt(channels, timesteps, dims):
    """One BatchNorm per time step, learnable scale only (bias removed: fixed 0, not trained)."""
    cls = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    layers = nn.ModuleList(cls(channels, eps=BNTT_EPS, momentum=BNTT_MOMENTUM, affine=True) for _ in range(timesteps))
    for bn in layers:
        bn.bias = None  # F.batch_norm takes no bias: scale only, as in the BNTT code
    return layers


class SpikingVgg(nn.Module):
    def __init__(self, width, classes, timesteps):
        super().__init__()
        scale = lambda c: max(1, round(c * width))
        self.channels = [scale(c) for c in VGG11_CHANNELS]
        hidden = scale(VGG11_FC_HIDDEN)
        self.timesteps = timesteps
        cin = 3
        self.convs = nn.ModuleList()
        self.conv_bntt = nn.ModuleList()
        for c in self.channels:
            self.convs.append(nn.Conv2d(cin, c, 3, padding=1, bias=False))
            self.conv_bntt.append(bntt(c, timesteps, 2))
            cin = c
        self.fc1 = nn.Linear(cin, hidden, bias=False)
        self.fc1_bntt = bntt(hidden, timesteps, 1)
        self.fc2 = nn.Linear(hidden, classes, bias=False)
        for m in [*self.convs, self.fc1, self.fc2]:
            nn.init.xavier_uniform_(m.weight, gain=2)  # Xavier-uniform gain 2, as spikelens and the BNTT code

    def forward(self, frames):
        """`frames(t)` gives the input spikes of step t ([B, 3, H, W]); returns logits [B, classes]."""
        mem = [None] * (len(self.convs) + 1)
        out = None
        for t in range(self.timesteps):
            x = frames(t)
            for i, conv in enumerate(self.convs):
                s, mem[i] = lif_step(mem[i], self.conv_bntt[i][t](conv(x)))
                x = F.avg_pool2d(s, 2) if i in VGG11_POOL_AFTER else s
            x = x.mean(dim=(2, 3))  # global average pooling after conv8
            s, mem[-1] = lif_step(mem[-1], self.fc1_bntt[t](self.fc1(x)))
            z = self.fc2(s)
            out = z if out is None else out + z
        return out / self.timesteps


def signed_poisson(images01):
    """Signed Poisson encoder: spike = sign(x) with probability min(|x|/2, 1), fresh each step."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    x = (images01 - mean) / std
    prob = torch.clamp(x.abs() / 2, max=1.0)
    sign = torch.sign(x)
    return lambda t: sign * (torch.rand_like(prob) < prob).to(prob.dtype)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--timesteps", type=int, default=8)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--width", type=float, default=0.125)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--threads", type=int, default=0, help="torch threads; 0 = os.cpu_count()")
    a = p.parse_args()

    threads = a.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = SpikingVgg(a.width, a.classes, a.timesteps)
    net.train()
    opt = torch.optim.Adam([q for q in net.parameters() if q.requires_grad], lr=1e-3)
    images = torch.rand(a.batch, 3, a.size, a.size)
    labels = torch.randint(0, a.classes, (a.batch,))

    def step():
        frames = signed_poisson(images)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(frames), labels)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    samples, loss = [], math.nan
    for _ in range(a.reps):
        t0 = time.perf_counter()
        loss = step()
        samples.append((time.perf_counter() - t0) * 1000 / a.batch)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    print(json.dumps({
        "ms_per_image_samples": [round(s, 3) for s in samples],
        "median_ms_per_image": round(statistics.median(samples), 3) if samples else None,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset"),
        "loss": round(loss, 4) if math.isfinite(loss) else None,
    }), flush=True)


if __name__ == "__main__":
    main()
