"""Loads a .pth into the tutorial's MulticlassCNN the way a PyTorch user would, and prints the
logits of the first N MNIST test images as JSON. Used by tests/pth_export.rs.

Usage: python3 pytorch_logits.py WEIGHTS.pth MNIST_DIR N
"""
import gzip, json, sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


class MulticlassCNN(nn.Module):  # the tutorial's network, as its notebook defines it
    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 8, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(16 * 7 * 7, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc1(x.reshape(x.shape[0], -1))


path, mnist, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
model = MulticlassCNN()
# torch.load's default (weights_only=True since PyTorch 2.6) refuses pickles that name anything
# but tensors and plain containers; strict loading refuses missing, extra or misshaped keys.
model.load_state_dict(torch.load(path, weights_only=True), strict=True)
model.eval()
raw = gzip.open(f"{mnist}/t10k-images-idx3-ubyte.gz").read()
images = np.frombuffer(raw, np.uint8, count=n * 784, offset=16).reshape(n, 1, 28, 28)
with torch.no_grad():
    logits = model(torch.from_numpy(images.astype(np.float32) / 255.0))
print(json.dumps(logits.tolist()))
