# MNIST Lab по-русски: те же сообщения, что в en.ftl, с теми же аргументами (это проверяет
# `tests/i18n.rs`). Формы множественного числа — по правилам CLDR: one (1, 21…), few (2–4,
# 22–24…), many (0, 5–20, 25…).

## Страница

page-title = MNIST Lab · обучите свёрточную сеть в браузере
tagline = Обучите свёрточную сеть из урока PyTorch на всех 60 000 цифрах MNIST прямо в браузере — и загляните внутрь.
language = Язык
draw-heading = Нарисуйте цифру
mine-heading = Мои цифры
data-heading = 1 · Данные
train-heading = 2 · Обучение
eval-heading = 4 · Оценка
models-heading = 5 · Сохранённые модели
footer = MNIST: Ян Лекун, Коринна Кортес и Кристофер Бёрджес (CC BY-SA 3.0). Сделано на burn и Leptos.
build = Сборка { $id }.

## Нарисуйте цифру

draw-area = Поле для рисования: нарисуйте одну цифру
clear = Очистить (Esc)
undo = Отменить
open-image = Открыть картинку…
not-an-image = не удалось открыть { $file } как изображение ({ $detail })
empty-image = { $file } — пустое изображение
picture-unknown = не удалось открыть { $file }: это не PNG, JPEG, GIF, WebP, BMP или SVG с читаемым размером
picture-too-large = { $file }: { $width }×{ $height } пикселей, а открываются изображения до { $megapixels } { $megapixels ->
        [one] мегапикселя
       *[other] мегапикселей
    }
draw-hint = Нарисуйте в поле цифру от 0 до 9.
sure = уверенность { NUMBER($p, style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1) }
percent = { NUMBER($p, style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1) }
add-as = Добавить в «Мои цифры» как
add-as-keys = Добавить в «Мои цифры» как (или нажмите 0–9):
sees-title = Что видит сеть (28×28)
sees = Что видит сеть: 28×28, с центровкой по центру масс, как в MNIST
why-title = Почему { $digit }?
why-orange = Оранжевым
why-for = {" "}— штрихи, убедившие сеть, что это { $digit };
why-blue = синим
why-against = {" "}— штрихи, говорившие против (квадраты { $patch }×{ $patch } закрывались по очереди).
why-map = Какие пиксели заставили сеть прочитать { $digit }
inside = Внутри сети
conv1-filters = фильтры conv1 ({ $side }×{ $side })
conv-maps = карты признаков conv{ $layer } ({ $side }×{ $side }, после ReLU)

## 2 · Обучение: форма

epochs = Эпохи
batch-size = Размер батча
learning-rate = Скорость обучения
rate-mark = скорость { NUMBER($rate, maximumFractionDigits: 6) } с шага { $step }
rate-now = Скорость обучения со следующего шага
apply-rate = Применить
seed = Зерно (seed)
training-images = Обучающих изображений
test-images = Тестовых изображений
cpu-workers = Воркеры CPU
model = Модель
preset-option = { $preset } ({ $params ->
    [one] { $params } параметр
    [few] { $params } параметра
   *[many] { $params } параметров
})
model-custom = своя сеть…
network-design = Устройство сети
network-blocks = Свёрточные блоки
network-block = Блок { $n }
channels = каналы
kernel = ядро
batch-norm = батч-нормализация
pool = макс-пулинг 2×2
remove = Убрать
remove-block = Убрать блок { $n }
add-block = Добавить блок
network-hidden = Скрытые слои
network-hidden-layer = Слой { $n }
width = ширина
dropout = дропаут
remove-hidden = Убрать скрытый слой { $n }
add-hidden = Добавить скрытый слой
network-text = Текстом (так читает mnist-lab --arch)
network-figures = { $params ->
        [one] { $params } параметр
        [few] { $params } параметра
       *[many] { $params } параметров
    } · { $madds } умножений-сложений на изображение · около { $mb } МБ на обучение пакета из { $batch }. На CPU: { $cpu }; на WebGPU: { $gpu }.
pytorch-view = Код PyTorch
pytorch-about = Эта сеть и эти настройки — скрипт PyTorch в стиле урока: класс, чтение MNIST из файлов, цикл обучения. Скачанный здесь .pth загружается в его класс с strict=True.
copy-code = Копировать
code-copied = Скопировано.
download-code = Скачать { $file }
pytorch-invalid = Код появится, когда настройки выше будут верны.
share-with-weights = с текущими весами
copy-link = Копировать ссылку
link-copied = Скопировано: ссылка на { $kb } КБ.
share-url = Ссылка
link-refused = Веса из ссылки не использованы: { $problem }
link-too-large = Эти веса дают ссылку в { $chars } символов — больше, чем может нести ссылка: поделитесь ссылкой без них, а весами — файлом.
origin-link = из ссылки
time-steps = Замерить несколько шагов на выбранном бэкенде
steps-timed = { $ms } мс на шаг из { $batch } на { $hardware }, { $path }
backend = Бэкенд
backend-auto = Авто (быстрейший)
backend-webgpu = WebGPU
backend-cpu = CPU
path-kernels = наши ядра
path-autodiff = автодифференцирование burn
path-line = Шаги обучения: { $path }
start-from = Начать с
random-weights = Случайных весов
current-weights = Текущих весов (дообучение)
augment = Аугментация (поворот, масштаб, сдвиг)
mix-mine = Подмешать «Мои цифры» ({ $count }; часть отложена для проверки)
no-webgpu = Этот браузер не поддерживает WebGPU: обучение идёт на CPU.
whole-number-range = целое число от { $min } до { $max }
rate-range = число больше 0 и не больше 1 (например, 0,001)
whole-number = целое число ≥ 0
start = Начать обучение
pause = Пауза
resume = Продолжить
stop = Стоп
reset-pretrained = Вернуть предобученные
reset-random = Сбросить в случайные

## 2 · Обучение: ход обучения

progress-line = Эпоха { $epoch }/{ $epochs } · { NUMBER($step, useGrouping: "false") }/{ NUMBER($steps, useGrouping: "false") } · { NUMBER($speed, minimumFractionDigits: 1, maximumFractionDigits: 1) } ит/с · осталось { $eta }
workers = { $count ->
    [one] { $count } воркер
    [few] { $count } воркера
   *[many] { $count } воркеров
}
timing-backends = Замеряем несколько шагов на каждом бэкенде…
epoch-progress = Ход эпохи
loss = Потери
loss-value = { NUMBER($loss, minimumFractionDigits: 4, maximumFractionDigits: 4) }
train-accuracy = Точность на обучении
images-per-sec = Изобр./с
elapsed = Прошло
test-accuracy = Точность на тесте
percent-2 = { NUMBER($p, style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2) }
whole = { NUMBER($n, maximumFractionDigits: 0) }
chart-loss = Потери при обучении
chart-accuracy = Точность
chart-step = шаг
chart-epoch = эпоха
series-loss = потери
series-train = обучение
series-test = тест

## 1 · Данные

data-starting = Запускаем обучающий воркер…
data-from-cache = Читаем MNIST из кэша браузера…
data-downloading = Загрузка MNIST: { NUMBER($loaded, minimumFractionDigits: 1, maximumFractionDigits: 1) } / { NUMBER($total, minimumFractionDigits: 1, maximumFractionDigits: 1) } МБ
data-ready-cached = MNIST готов: обучающих цифр — { $train }, тестовых — { $test } (из кэша)
data-ready-downloaded = MNIST готов: обучающих цифр — { $train }, тестовых — { $test } (загружено)
data-failed = Не удалось загрузить MNIST: { $why }
data-bar = Загрузка набора данных
retry = Повторить
samples = Случайные обучающие цифры
shuffle = Перемешать
data-damaged = загруженные данные повреждены ({ $detail })
data-cache-dropped = Копия MNIST в этом браузере оказалась не той, что поставляет приложение ({ $why }): она удалена, MNIST загружается заново.
worker-keeps-stopping = обучающий воркер всё время останавливается; перезагрузите страницу, чтобы попробовать снова

## Жизнь обучающего воркера

origin-pretrained = предобученные
origin-random = случайные
origin-trained = обучены { $epochs ->
    [one] { $epochs } эпоху
    [few] { $epochs } эпохи
   *[many] { $epochs } эпох
}
origin-stopped = остановлены на эпохе { $epoch }
died-panicked = он упал: { $detail }
died-crashed = он упал ({ $detail })
died-unresponsive = он не отвечал { $secs } с
died-stale = его часть для WebGPU оказалась из другой версии приложения, чем эта страница (новая версия уже в пути): перезагрузите страницу, чтобы обучать на WebGPU
no-workers = страница не может запустить обучающий воркер ({ $detail }): рисунки по-прежнему распознаются, но для обучения нужны воркеры (политика безопасности сайта должна разрешать `worker-src 'self' blob:`; фрейм-песочница — скрипты своего источника)
upload-killed-worker = Не удалось прочитать { $file }: воркер, читавший файл, остановился ({ $why }). Веса не изменились.
worker-gave-up = Обучающий воркер останавливался { $times ->
    [one] { $times } раз
    [few] { $times } раза
   *[many] { $times } раз
} за минуту ({ $why }). Перезагрузите страницу, чтобы попробовать снова; сохранённые модели в безопасности.
worker-restarted = Обучающий воркер перезапущен, потому что { $why }. Новый воркер заново загружает данные и текущие веса; сохранённые модели не затронуты.
worker-restarted-run-lost = Обучающий воркер перезапущен, потому что { $why }. Текущее обучение потеряно. Новый воркер заново загружает данные и текущие веса; сохранённые модели не затронуты.

## 3 · Оценка

evaluate = Оценить текущие веса
current-weights-info = Текущие веса: модель { $preset }, { $origin }
test-accuracy-value = точность на тесте { NUMBER($p, style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2) }
eval-accuracy = Точность на тесте
eval-on = на { NUMBER($total, useGrouping: "false") } изображениях · { $misses ->
    [one] { $misses } ошибка
    [few] { $misses } ошибки
   *[many] { $misses } ошибок
}
digit = Цифра
precision = Точность (precision)
recall = Полнота (recall)
confusion = Матрица ошибок: строки — истинная цифра, столбцы — предсказанная
confusion-corner = истина↓ ответ→
confusion-cell = { $n ->
    [one] { $n } тестовое изображение
    [few] { $n } тестовых изображения
   *[many] { $n } тестовых изображений
} цифры { $label }, распознанных как { $predicted }
cell-title = Тестовые изображения цифры { $label }, распознанные как { $predicted } (показано { $shown })
misclassified = Ошибки (истина→ответ, уверенность)
percent-0 = { NUMBER($p, style: "percent", maximumFractionDigits: 0) }
fraction-2 = { NUMBER($n, minimumFractionDigits: 2, maximumFractionDigits: 2) }
fraction-3 = { NUMBER($n, minimumFractionDigits: 3, maximumFractionDigits: 3) }
fraction-4 = { NUMBER($n, minimumFractionDigits: 4, maximumFractionDigits: 4) }
cannot-read-file = не удалось прочитать { $file }: { $detail }
download-bpk = Скачать веса (.bpk)
download-pth = Скачать для PyTorch (.pth)
download-pth-title = state_dict PyTorch: model.load_state_dict(torch.load(path)) для MulticlassCNN из урока
upload = Загрузить веса…

## 4 · Сохранённые модели

save-model = Сохранить текущие веса в этом браузере
no-models = Сохранённых моделей пока нет: сюда попадает каждое завершённое обучение.
new-name = Новое имя
save-name = Сохранить имя
compare = Сравнить
load = Загрузить
rename = Переименовать
delete = Удалить
compare-hint = Отметьте два или больше обучений, чтобы сравнить их кривые и настройки.
deleted = «{ $name }» удалена.
auto-pruned = { $count ->
    [one] Удалено { $count } самое старое обучение
    [few] Удалены { $count } самых старых обучения
   *[many] Удалено { $count } самых старых обучений
}: сами сохраняются до { $max } последних. Отметьте обучение звёздочкой (☆), чтобы сохранить его.
star-named = Сохранить { $name } (отмеченные звёздочкой не удаляются сами)
star-title = Звёздочка: не удаляется само
storage-full = хранилище браузера для этого сайта заполнено: удалите сохранённые модели или освободите место на диске
cannot-save = не удалось сохранить в этом браузере: { $detail }
aborted = транзакция прервана
no-indexeddb = в этом браузере нет IndexedDB
comparison = Сравнение сохранённых обучений
chart-test-by-epoch = Точность на тесте по эпохам
chart-loss-by-epoch = Потери при обучении по эпохам
run = Обучение
final-test-accuracy = Итоговая точность на тесте
epochs-of = { $done } из { $planned }
started-from = Начало
earlier-weights = прежние веса
random-seed = случайные (seed { $seed })
plain-number = { NUMBER($n, useGrouping: "false", maximumFractionDigits: 10) }
augmentation = Аугментация
on = вкл.
off = выкл.
fine-tune-summary = { $trained } × { $copies }; отложено { $held }: { $before } → { $after }
training-time = Время обучения
seconds = { NUMBER($s, minimumFractionDigits: 1, maximumFractionDigits: 1) } с

## Мои цифры

added-as = Добавлена как { $label }: в «Моих цифрах» { $total ->
    [one] { $total } цифра
    [few] { $total } цифры
   *[many] { $total } цифр
}.
imported = { $count ->
    [one] Импортирована { $count } цифра
    [few] Импортировано { $count } цифры
   *[many] Импортировано { $count } цифр
}: в «Моих цифрах» { $total ->
    [one] { $total } цифра
    [few] { $total } цифры
   *[many] { $total } цифр
}.
storage-blocked = другая вкладка MNIST Lab держит хранилище сайта открытым в старой версии: закройте (или перезагрузите) её, затем перезагрузите эту страницу
import-too-many = в { $file } { $count ->
    [one] { $count } цифра
    [few] { $count } цифры
   *[many] { $count } цифр
}; за один импорт можно добавить не больше { $max } («Мои цифры» — для вашего почерка, а не для набора данных: наборы размером с MNIST берёт ключ --extra в CLI)
import-file-too-large = { $file } — { $size } байт; файл больше { $max } байт не может содержать { $digits } цифр и не читается
my-digits-full = В «Моих цифрах» помещается не больше { $max } цифр: можно добавить ещё { $room }. Сначала удалите часть.
import-known = { $count ->
    [0] Ничего нового: все { $known } цифр уже были в «Моих цифрах».
   *[other] Импортировано { $count } (ещё { $known } уже были): в «Моих цифрах» { $total }.
}
import-killed-worker = Файлы не импортированы: воркер, читавший их, остановился ({ $why }). «Мои цифры» не изменились.
digits-reset = «Мои цифры» удалены, как просил адрес страницы (?reset=my-digits).
digits-page = { $from }–{ $to } из { $total }
previous-page = Назад
next-page = Дальше
mine-intro = Подпишите рисунок под полем выше — нажмите нужную цифру или клавишу 0–9 — и он сохранится здесь, в этом браузере, вместе с картинкой 28×28, которую видит сеть. Оцените текущие веса на своём почерке или экспортируйте набор для
and = и
mine-count = { $count ->
    [0] Цифр пока нет.
    [one] { $count } цифра.
    [few] { $count } цифры.
   *[many] { $count } цифр.
}
drawn-digit = нарисованная цифра { $label }
delete-digit = Удалить эту цифру { $label }
evaluate-mine = Оценить на «Моих цифрах»
export-mine = Экспорт (IDX .gz)
import-mine = Импорт…
import-title = Оба файла: ИМЯ{ $images } и ИМЯ{ $labels }
delete-all-question = Удалить { $count ->
    [one] { $count } цифру
    [few] все { $count } цифры
   *[many] все { $count } цифр
}?
delete-all = Удалить все
keep-them = Оставить
clear-all = Очистить всё
on-mine = На «Моих цифрах»
correct-of = ({ $correct } из { $total })
on-mnist = на тестовом наборе MNIST { NUMBER($accuracy, minimumFractionDigits: 4, maximumFractionDigits: 4) }
evaluate-to-compare = запустите оценку в разделе 3 · Оценка, чтобы сравнить с тестовым набором MNIST
mine-confusion = Мои цифры: строки — ваша подпись, столбцы — ответ сети
mine-confusion-corner = подпись↓ ответ→
training-now = (идёт обучение…)
fine-tuned = Дообучено на «Моих цифрах»
fine-tuned-note = В обучении { $trained ->
    [one] { $trained } ваша цифра
    [few] { $trained } ваши цифры
   *[many] { $trained } ваших цифр
}, каждая повторена { $copies }× ({ NUMBER($share, style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1) } каждой эпохи); { $held } отложено для проверки.
before-after = до → после
held-out-digits = Ваши отложенные цифры
mnist-test-set = Тестовый набор MNIST

## Сообщения обучающего воркера

webgpu-missing = этот браузер не поддерживает WebGPU
webgpu-unusable = WebGPU здесь не работает: { $detail }
webgpu-no-adapter = браузер не нашёл адаптер WebGPU
webgpu-not-loaded = не удалось загрузить WebGPU-часть приложения
chosen-by-you = выбран вами
cpu-instead = { $why }; обучение на CPU
auto = Авто: { $why }
auto-webgpu-faster = Авто: WebGPU { $faster } мс/шаг против CPU { $slower } мс/шаг
auto-cpu-faster = Авто: CPU { $faster } мс/шаг против WebGPU { $slower } мс/шаг
auto-webgpu-failed = Авто: WebGPU не справился с пробным шагом ({ $why })
auto-cpu-failed = Авто: CPU не справился с пробным шагом ({ $why })
run-going = обучение уже идёт
data-not-loaded = набор данных ещё не загружен
no-weights = нет текущих весов, с которых можно начать
stopped = Остановлено после { $epochs ->
    [one] { $epochs } полной эпохи
   *[many] { $epochs } полных эпох
}; веса на этот момент сохранены.
finished = Завершено: { $epochs ->
    [one] { $epochs } эпоха
    [few] { $epochs } эпохи
   *[many] { $epochs } эпох
} на { $backend }.
webgpu-failed = Сбой WebGPU ({ $detail }): обучение продолжается на CPU с весов последней эпохи.
webgpu-lost = WebGPU потерян
stop-first = остановите обучение, прежде чем менять веса
nothing-to-export = экспортировать пока нечего: весов нет
cannot-download = не удалось скачать { $url }: { $why }
no-answer = нет ответа за { $secs } с
empty-response = { $url }: пустой ответ
interrupted = { $url }: загрузка прервана: { $detail }
stalled = { $url }: загрузка остановилась (нет данных { $secs } с)
eval-while-training = во время обучения оценка идёт после каждой эпохи
mine-damaged = Мои цифры: { $detail }
choose-two-files = выберите два файла: один с окончанием { $images }, другой — { $labels } (как их пишет экспорт)
helper-not-started = Браузер не смог запустить вспомогательный воркер ({ $detail }): батч делят меньше воркеров.
helper-slow = Вспомогательный воркер не запустился за { $secs } с: батч делят меньше воркеров.
helper-lost = Вспомогательный воркер потерян ({ $why }); дальше батч делят остальные.

## Текстовые альтернативы (для программ чтения с экрана)

chart-point = { $axis } { $x }: { NUMBER($y, minimumFractionDigits: 3, maximumFractionDigits: 3) }
chart-series = { $name }: { $count ->
    [one] { $count } точка
    [few] { $count } точки
   *[many] { $count } точек
} — от { NUMBER($first, minimumFractionDigits: 3, maximumFractionDigits: 3) } ({ $axis } { $x0 }) до { NUMBER($last, minimumFractionDigits: 3, maximumFractionDigits: 3) } ({ $axis } { $x1 }), минимум { NUMBER($low, minimumFractionDigits: 3, maximumFractionDigits: 3) }, максимум { NUMBER($high, minimumFractionDigits: 3, maximumFractionDigits: 3) }
chart-empty = { $title }: данных пока нет
compare-settings = Настройки сравниваемых обучений
confusion-region = Матрица ошибок, прокручивается вбок
moment-confusion-region = Матрица ошибок выбранного момента, прокручивается вбок
confusion-corner-said = по строкам истинная цифра, по столбцам предсказанная
mine-confusion-corner-said = по строкам ваша подпись, по столбцам ответ сети
load-named = Загрузить { $name }
rename-named = Переименовать { $name }
delete-named = Удалить { $name }
compare-named = Сравнить { $name }

## The core's errors (src/web/errors.rs); $problem and $detail are the core's own words
weights-refused = { $file } нельзя использовать как веса: { $problem }
data-refused = { $file } не читается как данные MNIST: { $problem }
cannot-encode = не удаётся записать веса: { $detail }
train-invalid = неверные настройки обучения: { $detail }
train-no-data = обучающая выборка пуста
train-diverged = функция потерь стала равна { $value } на эпохе { $epoch }, шаге { $step }: обучение остановлено (попробуйте меньшую скорость обучения)
device-read-failed = не удалось прочитать результаты с устройства: { $detail }
bad-share = часть пакета для вычисления повреждена: { $detail }
arch-token = «{ $token }» — не слой: пишите c и число каналов, k5 для ядра 5×5, b для батч-нормализации, p для пулинга (c16bp), или f и ширину, d и дропаут (f128d0.25)
arch-blocks = в сети от 1 до { $max } свёрточных блоков, а не { $count }
arch-order = свёрточные блоки идут до полносвязных слоёв
arch-channels = у свёртки от 1 до { $max } каналов, а не { $value }
arch-kernel = ядро 3×3 или 5×5, а не { $value }×{ $value }
arch-hidden = в сети не больше { $max } скрытых слоёв, а не { $count }
arch-width = ширина скрытого слоя от { $min } до { $max }, а не { $value }
arch-dropout = дропаут — вероятность от 0 до 1 (не включая 1), а не { $value }
arch-too-big = её обучение заняло бы около { $mb } МБ на пакет из { $batch }, больше { $limit } МБ, на которые может рассчитывать вкладка браузера
eval-empty = нет цифр для оценки
eval-not-finite = выходы модели — не конечные числа (NaN или бесконечность): эти веса не могут распознавать цифры

## Наблюдение за обучением: шкала времени, карта, слои

watch-heading = 3 · Как сеть учится
timeline-hint = Обучите сеть: каждый запуск сохраняет снимки (начало, четыре момента первой эпохи и конец каждой эпохи), и здесь их можно воспроизвести — карту того, что видит сеть, как она читает цифры, её слои, а в поле рисования выше — её фильтры, карты признаков и вероятности.
play-timeline = ▶ Воспроизвести
pause-timeline = ❚❚ Пауза
timeline-slider = Момент обучения
timeline-count = момент { $shown } из { $count }
moment-start = начало (до первого шага)
moment-epoch = после эпохи { $epoch }
moment-within = эпоха { NUMBER($epoch, maximumFractionDigits: 3) } (шаг { $step })
shown-moment = Сеть показана в момент: { $moment }.
back-to-now = Вернуться к текущей
moment-accuracy = Тогда: верно прочитано { NUMBER($p, style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1) } из { $total } тестовых цифр карты.
moment-per-digit = Доля верно прочитанных для каждой цифры в тот момент
moment-cell = { $label }, прочитанные как { $predicted }, в тот момент
map-said = Карта { $count } тестовых цифр, расположенных по тому, что сеть в них видит; { NUMBER($share, style: "percent", maximumFractionDigits: 0) } из них лежат среди в основном своих цифр.
map-help = Каждая точка — тестовая цифра рядом с цифрами, чьи последние признаки похожи на её (раскладка UMAP; цвет — её метка). Наведите на точку или используйте стрелки, чтобы увидеть цифру; щелчок или Enter открывает её в поле рисования. Точка в кольце — ваш рисунок.
map-waiting = Карта вычисляется…
map-laying-out = Первый кадр (метод главных компонент); карта раскладывается…
map-agreement = У { NUMBER($share, style: "percent", maximumFractionDigits: 0) } цифр метка совпадает с меткой большинства из { $k } ближайших точек.
map-misread = Обвести неверно прочитанные цифры
map-legend = Цвета: метка цифры
map-card = Тестовая цифра №{ $index }: { $label }, прочитана как { $predicted }
map-card-unread = Тестовая цифра №{ $index }: { $label }
map-no-digits = тестовые цифры ещё не загружены
study-crashed = Поток анализа остановился ({ $detail }); для следующего момента он запустится снова.
layers-title = Веса и градиенты по слоям
layers-intro = Синим: как распределены веса каждого слоя; оранжевым: градиенты функции потерь на 256 тестовых цифрах в тот момент — насколько сильно толкают каждый вес.
layer-weights = веса { $layer } от { NUMBER($low, maximumFractionDigits: 3) } до { NUMBER($high, maximumFractionDigits: 3) }, СКЗ { NUMBER($rms, maximumFractionDigits: 4) }
layer-grads = градиенты { $layer } от { NUMBER($low, maximumSignificantDigits: 2) } до { NUMBER($high, maximumSignificantDigits: 2) }, СКЗ { NUMBER($rms, maximumSignificantDigits: 2) }

## Внутри сети: арифметика одной свёртки

map-pick = карта { $map } слоя conv{ $layer }: показать, как вычисляются её пиксели
arith-title = conv{ $layer }, карта { $map }, строка { $row }, столбец { $col }: как вычисляется этот пиксель
arith-keys = Стрелки: соседний пиксель; Escape: закрыть.
arith-input = входной канал { $channel }: окно × ядро = произведения
arith-sum = сумма произведений { NUMBER($sum, minimumFractionDigits: 2, maximumFractionDigits: 2) } + смещение { NUMBER($bias, minimumFractionDigits: 2, maximumFractionDigits: 2) }
arith-pool = Макс-пулинг: из этих четырёх (этот пиксель подчёркнут) дальше идёт { NUMBER($value, minimumFractionDigits: 2, maximumFractionDigits: 2) } (строка { $row }, столбец { $col } после пулинга).
number-2 = { NUMBER($n, minimumFractionDigits: 2, maximumFractionDigits: 2) }

## Обмануть сеть

fool-title = Обмануть сеть
fool-intro = Изменить рисунок как можно меньше, чтобы сеть прочитала другую цифру: маленькие шаги по каждому пикселю против градиента функции потерь для выбранной цифры.
fool-target = Чтобы сеть прочитала
fool-go = Обмануть
fool-working = Ищем наименьшее изменение…
fool-before = до
fool-change = изменение (оранжевый: добавлено чернил, синий: убрано)
fool-change-said = Изменение: оранжевым — где чернила добавлены, синим — где убраны
fool-after = после: прочитано как { $digit }
fool-done = После { $steps } маленьких шагов сеть читает { $target } (уверенность { NUMBER($p, style: "percent", maximumFractionDigits: 0) }): заметно изменились { $changed } пикселей, ни один — больше чем на { NUMBER($largest, style: "percent", maximumFractionDigits: 0) } полной яркости.
fool-already = Сеть уже читает { $target }: менять нечего.
fool-failed = За { $steps } шагов сеть так и не прочитала { $target }: она по-прежнему читает { $digit }.
fool-meaning = Человек видит ту же цифру. Границы между цифрами у сети проходят близко к настоящим рисункам — в направлениях, в которых человек цифру не изменил бы: это и есть «состязательные примеры», и поэтому высокая точность на тесте не значит, что сеть видит так же, как мы.
timeline-not-kept = Модель сохранена, но без шкалы времени: { $why }
