# MNIST Lab's words in English. Each message has the same id in ru.ftl; `tests/i18n.rs` checks
# that both files have the same messages with the same arguments.

## The page

page-title = MNIST Lab · train a CNN in your browser
tagline = Train the PyTorch tutorial's CNN on all 60,000 MNIST digits, in your browser, then look inside.
language = Language
draw-heading = Draw a digit
mine-heading = My digits
data-heading = 1 · Data
train-heading = 2 · Train
eval-heading = 4 · Evaluate
models-heading = 5 · Saved models
footer = MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0). Built with burn and Leptos.
build = Build { $id }.

## Draw a digit

draw-area = Drawing area: draw one digit
clear = Clear (Esc)
undo = Undo
open-image = Open an image…
not-an-image = cannot open { $file } as an image ({ $detail })
empty-image = { $file } is an empty image
picture-unknown = cannot open { $file }: it is not a PNG, JPEG, GIF, WebP, BMP or SVG picture whose size can be read
picture-too-large = { $file } is { $width }×{ $height } pixels: pictures of up to { $megapixels } megapixels open here
draw-hint = Draw a digit from 0 to 9 in the box.
sure = { NUMBER($p, style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1) } sure
percent = { NUMBER($p, style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1) }
add-as = Add to My digits as
add-as-keys = Add to My digits as (or press 0–9):
sees-title = What the network sees (28×28)
sees = What the network sees: 28×28, centred by mass like MNIST
why-title = Why { $digit }?
why-orange = Orange
why-for = : ink that made the network surer it is a { $digit };
why-blue = blue
why-against = : ink that argued against it (each { $patch }×{ $patch } square hidden in turn).
why-map = Which pixels made the network read a { $digit }
inside = Inside the network
conv1-filters = conv1 filters ({ $side }×{ $side })
conv-maps = conv{ $layer } feature maps ({ $side }×{ $side }, after ReLU)

## 2 · Train: the form

epochs = Epochs
batch-size = Batch size
learning-rate = Learning rate
rate-mark = lr { NUMBER($rate, maximumFractionDigits: 6) } from step { $step }
rate-now = Learning rate from the next step
apply-rate = Apply
seed = Seed
training-images = Training images
test-images = Test images
cpu-workers = CPU workers
model = Model
preset-option = { $preset } ({ $params } params)
model-custom = your own network…
network-design = Design the network
network-blocks = Convolution blocks
network-block = Block { $n }
channels = channels
kernel = kernel
batch-norm = batch norm
pool = 2×2 max-pool
remove = Remove
remove-block = Remove block { $n }
add-block = Add a block
network-hidden = Hidden layers
network-hidden-layer = Layer { $n }
width = width
dropout = dropout
remove-hidden = Remove hidden layer { $n }
add-hidden = Add a hidden layer
network-text = As text (what mnist-lab --arch reads)
network-figures = { $params } parameters · { $madds } multiply-adds per image · about { $mb } MB to train a batch of { $batch }. On the CPU: { $cpu }; on WebGPU: { $gpu }.
pytorch-view = PyTorch code
pytorch-about = This network and these settings as a PyTorch script in the tutorial's style: the class, MNIST read from its files, the training loop. The .pth this page downloads loads into its class with strict=True.
copy-code = Copy
code-copied = Copied.
download-code = Download { $file }
pytorch-invalid = The code appears once the settings above are valid.
share-with-weights = with the current weights
copy-link = Copy link
link-copied = Copied: a link of { $kb } KB.
share-url = The link
link-refused = The link's weights were not used: { $problem }
link-too-large = These weights make a link of { $chars } characters, more than a link may carry: share the link without them, and the weights as a file.
origin-link = from a shared link
time-steps = Time a few steps on the chosen backend
steps-timed = { $ms } ms per step of { $batch } on { $hardware }, { $path }
backend = Backend
backend-auto = Auto (fastest)
backend-webgpu = WebGPU
backend-cpu = CPU
path-kernels = our kernels
path-autodiff = burn's autodiff
path-line = Training steps: { $path }
start-from = Start from
random-weights = Random weights
current-weights = Current weights (fine-tune)
augment = Augment (rotate, scale, shift)
mix-mine = Mix in My digits ({ $count }; some held out to measure)
no-webgpu = This browser offers no WebGPU: training runs on the CPU.
whole-number-range = a whole number from { $min } to { $max }
rate-range = a number above 0, at most 1 (e.g. 0.001)
whole-number = a whole number ≥ 0
start = Start training
pause = Pause
resume = Resume
stop = Stop
reset-pretrained = Reset to pretrained
reset-random = Reset to random

## 2 · Train: the run

progress-line = Epoch { $epoch }/{ $epochs } · { NUMBER($step, useGrouping: "false") }/{ NUMBER($steps, useGrouping: "false") } · { NUMBER($speed, minimumFractionDigits: 1, maximumFractionDigits: 1) } it/s · ETA { $eta }
workers = { $count } workers
timing-backends = Timing a few steps of each backend…
epoch-progress = Epoch progress
loss = Loss
loss-value = { NUMBER($loss, minimumFractionDigits: 4, maximumFractionDigits: 4) }
train-accuracy = Train accuracy
images-per-sec = Images/s
elapsed = Elapsed
test-accuracy = Test accuracy
percent-2 = { NUMBER($p, style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2) }
whole = { NUMBER($n, maximumFractionDigits: 0) }
chart-loss = Training loss
chart-accuracy = Accuracy
chart-step = step
chart-epoch = epoch
series-loss = loss
series-train = train
series-test = test

## 1 · Data

data-starting = Starting the training worker…
data-from-cache = Reading MNIST from the browser cache…
data-downloading = Downloading MNIST: { NUMBER($loaded, minimumFractionDigits: 1, maximumFractionDigits: 1) } / { NUMBER($total, minimumFractionDigits: 1, maximumFractionDigits: 1) } MB
data-ready-cached = MNIST ready: { NUMBER($train, useGrouping: "false") } training and { NUMBER($test, useGrouping: "false") } test digits (from cache)
data-ready-downloaded = MNIST ready: { NUMBER($train, useGrouping: "false") } training and { NUMBER($test, useGrouping: "false") } test digits (downloaded)
data-failed = Could not load MNIST: { $why }
data-bar = Dataset download
retry = Retry
samples = Random training digits
shuffle = Shuffle
data-damaged = the downloaded data is damaged ({ $detail })
data-cache-dropped = The copy of MNIST kept in this browser was not the app's ({ $why }): it was deleted and MNIST is downloaded again.
worker-keeps-stopping = the training worker keeps stopping; reload the page to try again

## The training worker's life

origin-pretrained = pretrained
origin-random = random
origin-trained = trained { $epochs ->
    [one] { $epochs } epoch
   *[other] { $epochs } epochs
}
origin-stopped = stopped in epoch { $epoch }
died-panicked = it crashed: { $detail }
died-crashed = it crashed ({ $detail })
died-unresponsive = it stopped answering for { $secs } s
died-stale = its WebGPU part came from another version of the app than this page (a new version is on its way): reload the page to train on WebGPU
no-workers = this page cannot start its training worker ({ $detail }): drawings are still read, but training needs workers (a host's content security policy must allow `worker-src 'self' blob:`; a sandboxed frame must allow scripts of its own origin)
upload-killed-worker = { $file } could not be read: the worker reading it stopped ({ $why }). The weights are unchanged.
worker-gave-up = The training worker stopped { $times } times within a minute ({ $why }). Reload the page to try again; your saved models are safe.
worker-restarted = The training worker was restarted because { $why }. A new worker reloads the dataset and the current weights; saved models are untouched.
worker-restarted-run-lost = The training worker was restarted because { $why }. The run in progress was lost. A new worker reloads the dataset and the current weights; saved models are untouched.

## 3 · Evaluate

evaluate = Evaluate current weights
current-weights-info = Current weights: { $preset } model, { $origin }
test-accuracy-value = test accuracy { NUMBER($p, style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2) }
eval-accuracy = Test accuracy
eval-on = on { NUMBER($total, useGrouping: "false") } images · { $misses } misclassified
digit = Digit
precision = Precision
recall = Recall
confusion = Confusion matrix: rows true digit, columns predicted
confusion-corner = true↓ pred→
confusion-cell = { $n } test images of { $label } predicted as { $predicted }
cell-title = Test images of { $label } predicted as { $predicted } ({ $shown } shown)
misclassified = Misclassified (true→predicted, confidence)
percent-0 = { NUMBER($p, style: "percent", maximumFractionDigits: 0) }
fraction-2 = { NUMBER($n, minimumFractionDigits: 2, maximumFractionDigits: 2) }
fraction-3 = { NUMBER($n, minimumFractionDigits: 3, maximumFractionDigits: 3) }
fraction-4 = { NUMBER($n, minimumFractionDigits: 4, maximumFractionDigits: 4) }
cannot-read-file = cannot read { $file }: { $detail }
download-bpk = Download weights (.bpk)
download-pth = Download for PyTorch (.pth)
download-pth-title = A PyTorch state_dict: model.load_state_dict(torch.load(path)) on the tutorial's MulticlassCNN
upload = Upload weights…

## 4 · Saved models

save-model = Save current weights in this browser
no-models = No saved models yet: finished training runs are saved here.
new-name = New name
save-name = Save name
compare = Compare
load = Load
rename = Rename
delete = Delete
compare-hint = Tick two or more runs to compare their curves and settings.
deleted = Deleted “{ $name }”.
auto-pruned = { $count ->
    [one] The oldest finished run was deleted
   *[other] The { $count } oldest finished runs were deleted
}: runs are saved by themselves up to the { $max } latest. Star (☆) a run to keep it.
star-named = Keep { $name } (starred runs are never deleted by themselves)
star-title = Star: never deleted by itself
storage-full = the browser's storage for this site is full: delete saved models or free some disk space
cannot-save = could not save in this browser: { $detail }
aborted = the transaction was aborted
no-indexeddb = this browser has no IndexedDB
comparison = Comparison of saved runs
chart-test-by-epoch = Test accuracy by epoch
chart-loss-by-epoch = Training loss by epoch
run = Run
final-test-accuracy = Final test accuracy
epochs-of = { $done } of { $planned }
started-from = Started from
earlier-weights = earlier weights
random-seed = random (seed { $seed })
plain-number = { NUMBER($n, useGrouping: "false", maximumFractionDigits: 10) }
augmentation = Augmentation
on = on
off = off
fine-tune-summary = { $trained } × { $copies }; { $held } held out: { $before } → { $after }
training-time = Training time
seconds = { NUMBER($s, minimumFractionDigits: 1, maximumFractionDigits: 1) } s

## My digits

added-as = Added as a { $label }: { $total } in My digits.
imported = Imported { $count } digits: { $total } in My digits.
storage-blocked = another tab of MNIST Lab holds this site's storage open in an older version: close it (or reload it), then reload this page
import-too-many = { $file } holds { $count } digits; an import may bring at most { $max } (My digits is for your own handwriting, not a dataset: for MNIST-sized sets use the CLI's --extra)
import-file-too-large = { $file } is { $size } bytes; files of more than { $max } bytes cannot hold { $digits } digits and are not read
my-digits-full = My digits holds { $max } digits at most: { $room } more can be added. Delete some first.
import-known = { $count ->
    [0] Nothing new: all { $known } digits were in My digits already.
   *[other] Imported { $count } digits ({ $known } were there already): { $total } in My digits.
}
import-killed-worker = The files could not be imported: the worker reading them stopped ({ $why }). My digits are unchanged.
digits-reset = My digits were deleted, as the page's address asked (?reset=my-digits).
digits-page = { $from }–{ $to } of { $total }
previous-page = Previous
next-page = Next
mine-intro = Label a drawing under the box above — click the right digit or press its key 0–9 — and it is kept here, in this browser, with the 28×28 the network sees. Evaluate the current weights on your own handwriting, or export the set for
and = and
mine-count = { $count ->
    [0] No digits yet.
    [one] { $count } digit.
   *[other] { $count } digits.
}
drawn-digit = a drawn { $label }
delete-digit = Delete this { $label }
evaluate-mine = Evaluate on My digits
export-mine = Export (IDX .gz)
import-mine = Import…
import-title = Both files: NAME{ $images } and NAME{ $labels }
delete-all-question = Delete all { $count } digits?
delete-all = Delete all
keep-them = Keep them
clear-all = Clear all
on-mine = On My digits
correct-of = ({ $correct } of { $total })
on-mnist = on the MNIST test set { NUMBER($accuracy, minimumFractionDigits: 4, maximumFractionDigits: 4) }
evaluate-to-compare = evaluate in 3 · Evaluate to compare with the MNIST test set
mine-confusion = My digits: rows your label, columns the network's reading
mine-confusion-corner = label↓ read→
training-now = (training…)
fine-tuned = Fine-tuned with My digits
fine-tuned-note = { $trained } of your digits trained, each repeated { $copies }× ({ NUMBER($share, style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1) } of every epoch); { $held } held out to measure.
before-after = before → after
held-out-digits = Your held-out digits
mnist-test-set = MNIST test set

## The training worker's messages

webgpu-missing = this browser offers no WebGPU
webgpu-unusable = WebGPU is not usable here: { $detail }
webgpu-no-adapter = the browser found no WebGPU adapter
webgpu-not-loaded = the app's WebGPU part could not be loaded
chosen-by-you = chosen by you
cpu-instead = { $why }; using the CPU instead
auto = Auto: { $why }
auto-webgpu-faster = Auto: WebGPU { $faster } ms/step vs CPU { $slower } ms/step
auto-cpu-faster = Auto: CPU { $faster } ms/step vs WebGPU { $slower } ms/step
auto-webgpu-failed = Auto: WebGPU failed a test step ({ $why })
auto-cpu-failed = Auto: the CPU failed a test step ({ $why })
run-going = a run is already going
data-not-loaded = the dataset is not loaded yet
no-weights = there are no current weights to start from
stopped = Stopped after { $epochs ->
    [one] { $epochs } complete epoch
   *[other] { $epochs } complete epochs
}; the weights so far are kept.
finished = Finished { $epochs ->
    [one] { $epochs } epoch
   *[other] { $epochs } epochs
} on { $backend }.
webgpu-failed = WebGPU failed ({ $detail }): training continues on the CPU from the last epoch's weights.
webgpu-lost = WebGPU was lost
stop-first = stop training before changing the weights
nothing-to-export = there are no weights to export yet
cannot-download = cannot download { $url }: { $why }
no-answer = no answer in { $secs } s
empty-response = { $url }: empty response
interrupted = { $url }: download interrupted: { $detail }
stalled = { $url }: the download stalled (no data for { $secs } s)
eval-while-training = evaluation runs after each epoch while training
mine-damaged = My digits: { $detail }
choose-two-files = choose two files: one ending in { $images } and one in { $labels } (as Export writes them)
helper-not-started = This browser could not start a helper worker ({ $detail }): fewer workers share each batch.
helper-slow = A helper worker did not start within { $secs } s: fewer workers share each batch.
helper-lost = A helper worker was lost ({ $why }); the others share each batch from now on.

## Text alternatives (for screen readers)

chart-point = { $axis } { $x }: { NUMBER($y, minimumFractionDigits: 3, maximumFractionDigits: 3) }
chart-series = { $name }: { $count } points from { NUMBER($first, minimumFractionDigits: 3, maximumFractionDigits: 3) } at { $axis } { $x0 } to { NUMBER($last, minimumFractionDigits: 3, maximumFractionDigits: 3) } at { $axis } { $x1 }, lowest { NUMBER($low, minimumFractionDigits: 3, maximumFractionDigits: 3) }, highest { NUMBER($high, minimumFractionDigits: 3, maximumFractionDigits: 3) }
chart-empty = { $title }: no data yet
compare-settings = Settings of the compared runs
confusion-region = Confusion matrix, scrolls sideways
moment-confusion-region = Confusion matrix of the moment shown, scrolls sideways
confusion-corner-said = true digit by row, predicted by column
mine-confusion-corner-said = your label by row, the network's reading by column
load-named = Load { $name }
rename-named = Rename { $name }
delete-named = Delete { $name }
compare-named = Compare { $name }

## The core's errors (src/web/errors.rs); $problem and $detail are the core's own words
weights-refused = { $file } cannot be used as weights: { $problem }
data-refused = { $file } cannot be read as MNIST data: { $problem }
cannot-encode = cannot write the weights: { $detail }
train-invalid = invalid training settings: { $detail }
train-no-data = the training set is empty
train-diverged = the loss became { $value } at epoch { $epoch }, step { $step }: training stopped (try a lower learning rate)
device-read-failed = reading results from the device failed: { $detail }
bad-share = a share of a batch to compute is malformed: { $detail }
arch-token = “{ $token }” is not a layer: write c and the channels, with k5 for a 5×5 kernel, b for batch norm, p for a pool (c16bp), or f and the width, with d and the dropout (f128d0.25)
arch-blocks = a network has 1 to { $max } convolution blocks, not { $count }
arch-order = the convolution blocks come before the fully connected layers
arch-channels = a convolution has 1 to { $max } channels, not { $value }
arch-kernel = a kernel is 3×3 or 5×5, not { $value }×{ $value }
arch-hidden = a network has at most { $max } hidden layers, not { $count }
arch-width = a hidden layer is { $min } to { $max } wide, not { $value }
arch-dropout = dropout is a probability from 0 up to (not including) 1, not { $value }
arch-too-big = training it would take about { $mb } MB for a batch of { $batch }, more than the { $limit } MB a browser tab can count on
eval-empty = there are no digits to evaluate on
eval-not-finite = the model's outputs are not finite numbers (NaN or infinity): these weights cannot classify

## Watch it learn: the timeline, the map, the layers

watch-heading = 3 · Watch it learn
timeline-hint = Train the network: each run keeps snapshots (its start, four moments of the first epoch and every epoch's end), and here you can replay them — the map of what it sees, how it reads, its layers, and, in the drawing box above, its filters, feature maps and probabilities.
play-timeline = ▶ Play
pause-timeline = ❚❚ Pause
timeline-slider = Moment of the run
timeline-count = moment { $shown } of { $count }
moment-start = the start (before any step)
moment-epoch = after epoch { $epoch }
moment-within = epoch { NUMBER($epoch, maximumFractionDigits: 3) } (step { $step })
shown-moment = Showing the network at { $moment } of the timeline.
back-to-now = Back to now
moment-accuracy = Then: { NUMBER($p, style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1) } of the map's { $total } test digits read right.
moment-per-digit = Each digit's share read right then
moment-cell = { $label } read as { $predicted }, then
map-said = Map of { $count } test digits placed by what the network sees in them; { NUMBER($share, style: "percent", maximumFractionDigits: 0) } of them lie among mostly their own digit.
map-help = Each dot is a test digit, placed near the digits whose last features are like its own (a UMAP layout; colour: its label). Point at a dot, or use the arrow keys, to see the digit; click or press Enter to open it in the drawing box. The ringed dot is your drawing.
map-waiting = The map is being computed…
map-laying-out = First frame (PCA); laying the map out…
map-agreement = { NUMBER($share, style: "percent", maximumFractionDigits: 0) } of the digits share the label of most of their { $k } nearest dots.
map-misread = Outline the digits read wrong
map-legend = Colours: the digit's label
map-card = Test digit #{ $index }: a { $label }, read as { $predicted }
map-card-unread = Test digit #{ $index }: a { $label }
map-no-digits = the test digits are not loaded yet
study-crashed = The study worker stopped ({ $detail }); it starts again for the next moment.
layers-title = Weights and gradients per layer
layers-intro = Blue: how each layer's weights are spread; orange: the gradients of the loss on 256 test digits at that moment — how hard each weight is being pushed.
layer-weights = { $layer } weights from { NUMBER($low, maximumFractionDigits: 3) } to { NUMBER($high, maximumFractionDigits: 3) }, RMS { NUMBER($rms, maximumFractionDigits: 4) }
layer-grads = { $layer } gradients from { NUMBER($low, maximumSignificantDigits: 2) } to { NUMBER($high, maximumSignificantDigits: 2) }, RMS { NUMBER($rms, maximumSignificantDigits: 2) }

## Inside the network: one convolution's arithmetic

map-pick = conv{ $layer } map { $map }: show how its pixels are computed
arith-title = conv{ $layer }, map { $map }, row { $row }, column { $col }: how this pixel is computed
arith-keys = Arrow keys: the next pixel; Escape: close.
arith-input = input channel { $channel }: window × kernel = products
arith-sum = sum of the products { NUMBER($sum, minimumFractionDigits: 2, maximumFractionDigits: 2) } + bias { NUMBER($bias, minimumFractionDigits: 2, maximumFractionDigits: 2) }
arith-pool = Max-pool: of these four (this pixel's underlined), { NUMBER($value, minimumFractionDigits: 2, maximumFractionDigits: 2) } goes on to the next layer (pooled row { $row }, column { $col }).
number-2 = { NUMBER($n, minimumFractionDigits: 2, maximumFractionDigits: 2) }

## Fool it

fool-title = Fool it
fool-intro = Change the drawing as little as possible until the network reads another digit: small steps on every pixel against the gradient of the loss for the digit you choose.
fool-target = Make it read
fool-go = Fool it
fool-working = Looking for the smallest change…
fool-before = before
fool-change = the change (orange: ink added, blue: taken away)
fool-change-said = The change: orange where ink was added, blue where it was taken away
fool-after = after: read as { $digit }
fool-done = After { $steps } small steps the network reads a { $target } ({ NUMBER($p, style: "percent", maximumFractionDigits: 0) } sure): { $changed } pixels changed visibly, none by more than { NUMBER($largest, style: "percent", maximumFractionDigits: 0) } of full ink.
fool-already = The network reads a { $target } already: there is nothing to change.
fool-failed = { $steps } steps did not make it read a { $target }: it still reads a { $digit }.
fool-meaning = A person still sees the same digit. The network's borders between digits run close to real drawings in directions no person would change a digit in: that is what "adversarial examples" are, and why a high test accuracy does not make a network see as we do.
timeline-not-kept = The model is saved, but not its timeline: { $why }
