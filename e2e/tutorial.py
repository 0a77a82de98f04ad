# The PyTorch tutorial's own training, for `node tutorial-bench.js` to time beside the page: its
# CNN, a DataLoader over MNIST (pixels / 255) shuffling batches of 60, Adam lr 0.001, the epochs
# asked for (10), then the test accuracy on all 10,000 test images. On the CPU, with PyTorch's
# default threads (every core). Prints `key=value` lines.
import gzip, sys, time
import torch
from torch import nn, optim
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

data_dir, epochs = sys.argv[1], int(sys.argv[2])


def idx(name, offset):
    with gzip.open(f"{data_dir}/{name}", "rb") as f:
        return torch.frombuffer(bytearray(f.read()[offset:]), dtype=torch.uint8)


def images(name):
    return idx(name, 16).reshape(-1, 1, 28, 28).float() / 255.0


class CNN(nn.Module):
    def __init__(self, in_channels, num_classes):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=in_channels, out_channels=8, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(in_channels=8, out_channels=16, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(16 * 7 * 7, num_classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(x)
        x = F.relu(self.conv2(x))
        x = self.pool(x)
        x = x.reshape(x.shape[0], -1)
        return self.fc1(x)


started = time.perf_counter()
torch.manual_seed(0)
train = TensorDataset(images("train-images-idx3-ubyte.gz"), idx("train-labels-idx1-ubyte.gz", 8).long())
test_x, test_y = images("t10k-images-idx3-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz", 8).long()
loader = DataLoader(train, batch_size=60, shuffle=True)
model = CNN(1, 10)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)
for epoch in range(epochs):
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
print(f"secs={time.perf_counter() - started}")
print(f"accuracy={accuracy}")
print(f"threads={torch.get_num_threads()}")
print(f"version={torch.__version__}")
