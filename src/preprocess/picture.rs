//! A picture's size from its first bytes, before anything decodes it: a file of a few hundred
//! bytes can declare 30000×30000 pixels, which a decoder would allocate (3.6 GB as RGBA). The
//! page and the CLI read the header, refuse what is over [`MAX_PIXELS`], and only then decode.

/// The most pixels a picture may have to be opened: 50 megapixels, the largest phone photos
/// (200 MB decoded as RGBA).
pub const MAX_PIXELS: u64 = 50_000_000;

/// How many of a file's first bytes [`declared_size`] needs at most: a JPEG's size comes after its
/// metadata segments (EXIF, colour profiles, thumbnails), which stay within this in practice.
pub const HEADER_BYTES: usize = 1 << 20;

/// The formats whose size [`declared_size`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    WebP,
    Bmp,
    Svg,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error("not a PNG, JPEG, GIF, WebP, BMP or SVG picture")]
    UnknownFormat,
    #[error("its header does not say how large it is")]
    NoSize,
    #[error(
        "it is {width}×{height} pixels, more than the {} megapixels a picture may have here",
        MAX_PIXELS / 1_000_000
    )]
    TooLarge { width: u64, height: u64 },
}

/// The format and width × height a picture declares in its first bytes, refused when it is over
/// [`MAX_PIXELS`] or unreadable.
pub fn check(bytes: &[u8]) -> Result<(Format, u64, u64), PictureError> {
    let (format, width, height) = declared_size(bytes)?;
    if width == 0 || height == 0 {
        return Err(PictureError::NoSize);
    }
    if width.saturating_mul(height) > MAX_PIXELS {
        return Err(PictureError::TooLarge { width, height });
    }
    Ok((format, width, height))
}

/// The format and width × height a picture declares in its first bytes.
pub fn declared_size(bytes: &[u8]) -> Result<(Format, u64, u64), PictureError> {
    let format = format(bytes).ok_or(PictureError::UnknownFormat)?;
    let size = match format {
        Format::Png => png(bytes),
        Format::Jpeg => jpeg(bytes),
        Format::Gif => gif(bytes),
        Format::WebP => webp(bytes),
        Format::Bmp => bmp(bytes),
        Format::Svg => svg(bytes),
    };
    let (width, height) = size.ok_or(PictureError::NoSize)?;
    Ok((format, width, height))
}

fn format(bytes: &[u8]) -> Option<Format> {
    Some(match bytes {
        [0x89, b'P', b'N', b'G', ..] => Format::Png,
        [0xff, 0xd8, ..] => Format::Jpeg,
        [b'G', b'I', b'F', b'8', ..] => Format::Gif,
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Format::WebP,
        [b'B', b'M', ..] => Format::Bmp,
        _ if is_svg(bytes) => Format::Svg,
        _ => return None,
    })
}

fn bytes_at<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn le16(bytes: &[u8], at: usize) -> Option<u64> {
    bytes_at(bytes, at).map(|b| u16::from_le_bytes(b).into())
}

fn be16(bytes: &[u8], at: usize) -> Option<u64> {
    bytes_at(bytes, at).map(|b| u16::from_be_bytes(b).into())
}

fn le24(bytes: &[u8], at: usize) -> Option<u64> {
    bytes_at::<3>(bytes, at).map(|[a, b, c]| u64::from_le_bytes([a, b, c, 0, 0, 0, 0, 0]))
}

fn png(bytes: &[u8]) -> Option<(u64, u64)> {
    // The signature, then the IHDR chunk: length, "IHDR", width, height (big-endian).
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at| bytes_at(bytes, at).map(|b| u64::from(u32::from_be_bytes(b)));
    Some((word(16)?, word(20)?))
}

fn jpeg(bytes: &[u8]) -> Option<(u64, u64)> {
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xff bytes.
        while *bytes.get(at)? == 0xff && *bytes.get(at + 1)? == 0xff {
            at += 1;
        }
        if *bytes.get(at)? != 0xff {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        match marker {
            // Start of frame (baseline, progressive, lossless, arithmetic): precision, height, width.
            0xc0..=0xc3 | 0xc5..=0xc7 | 0xc9..=0xcb | 0xcd..=0xcf => {
                return Some((be16(bytes, at + 7)?, be16(bytes, at + 5)?));
            }
            // Markers without a length.
            0x01 | 0xd0..=0xd7 => at += 2,
            // Start of scan or end of image before any frame.
            0xd9 | 0xda => return None,
            _ => at += 2 + usize::try_from(be16(bytes, at + 2)?).ok()?,
        }
    }
}

fn gif(bytes: &[u8]) -> Option<(u64, u64)> {
    // The logical screen's width and height, after the 6-byte signature.
    Some((le16(bytes, 6)?, le16(bytes, 8)?))
}

fn webp(bytes: &[u8]) -> Option<(u64, u64)> {
    match bytes.get(12..16)? {
        // Lossy: a frame tag, a start code, then 14-bit width and height.
        b"VP8 " => Some((le16(bytes, 26)? & 0x3fff, le16(bytes, 28)? & 0x3fff)),
        // Lossless: a signature byte, then width − 1 and height − 1 in 14 bits each.
        b"VP8L" => {
            let bits = u32::from_le_bytes(bytes_at(bytes, 21)?);
            Some((
                u64::from(bits & 0x3fff) + 1,
                u64::from((bits >> 14) & 0x3fff) + 1,
            ))
        }
        // Extended: flags, then the canvas's width − 1 and height − 1 in 24 bits each.
        b"VP8X" => Some((le24(bytes, 24)? + 1, le24(bytes, 27)? + 1)),
        _ => None,
    }
}

fn bmp(bytes: &[u8]) -> Option<(u64, u64)> {
    let header = u32::from_le_bytes(bytes_at(bytes, 14)?);
    if header == 12 {
        // The OS/2 header: 16-bit width and height.
        return Some((le16(bytes, 18)?, le16(bytes, 20)?));
    }
    let signed = |at| bytes_at(bytes, at).map(|b| u64::from(i32::from_le_bytes(b).unsigned_abs()));
    // A negative height is a top-down picture of that many rows.
    Some((signed(18)?, signed(22)?))
}

fn is_svg(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    text.contains("<svg")
}

/// The size a browser rasterises an SVG at: its `width` and `height`, the missing one from the
/// `viewBox`'s aspect ratio, or the `viewBox`'s own.
fn svg(bytes: &[u8]) -> Option<(u64, u64)> {
    let text = String::from_utf8_lossy(bytes);
    let tag = &text[text.find("<svg")?..];
    let tag = &tag[..tag.find('>')?];
    let length = |name| attribute(tag, name).and_then(css_pixels);
    let view = attribute(tag, "viewBox").and_then(view_box);
    let (w, h) = match (length("width"), length("height"), view) {
        (Some(w), Some(h), _) => (w, h),
        (Some(w), None, Some((vw, vh))) => (w, w * vh / vw),
        (None, Some(h), Some((vw, vh))) => (h * vw / vh, h),
        (None, None, Some(view)) => view,
        _ => return None,
    };
    let pixels = |v: f64| (v.is_finite() && v >= 0.0).then(|| v.ceil().min(u64::MAX as f64) as u64);
    Some((pixels(w)?, pixels(h)?))
}

/// A `viewBox`'s width and height, where both are positive.
fn view_box(value: &str) -> Option<(f64, f64)> {
    let numbers: Vec<f64> = value
        .split([' ', ',', '\t', '\n', '\r'])
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match numbers[..] {
        [_, _, w, h] if w > 0.0 && h > 0.0 => Some((w, h)),
        _ => None,
    }
}

/// The value of ` name="…"` (or `'…'`) in a tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(found) = tag[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let Some(value) = tag[from..].trim_start().strip_prefix('=') else {
            continue;
        };
        // Not the end of another attribute's name (`stroke-width`).
        if !tag[..at].ends_with(char::is_whitespace) {
            continue;
        }
        let value = value.trim_start();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &value[1..];
        return Some(&value[..value.find(quote)?]);
    }
    None
}

/// A CSS length in pixels (`px` or no unit, `in`, `cm`, `mm`, `pt`, `pc`, `em`); percentages and
/// other units have no size of their own.
fn css_pixels(value: &str) -> Option<f64> {
    let value = value.trim();
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let per_unit = match unit.trim() {
        "" | "px" => 1.0,
        "in" => 96.0,
        "cm" => 96.0 / 2.54,
        "mm" => 96.0 / 25.4,
        "pt" => 96.0 / 72.0,
        "pc" | "em" => 16.0,
        _ => return None,
    };
    Some(number.parse::<f64>().ok()? * per_unit)
}
