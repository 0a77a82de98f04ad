//! The content security policy of the built page, written into `dist/index.html` as a `<meta>`:
//! scripts, styles, images, workers and connections from the page's own origin only, the wasm
//! modules compiled (`'wasm-unsafe-eval'`), workers started from `blob:` URLs (the page starts
//! its training workers that way), and the page's inline scripts (trunk's loader, the service
//! worker's registration) allowed by their SHA-256, so that no other inline script runs.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::Result;
use crate::files::{read, write};
use crate::service_worker::integrity;

/// The policy, less the inline scripts' hashes (docs/deploy.md has it for hosts that send
/// headers). Inline styles stay allowed: Leptos writes `style` attributes.
pub const POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
worker-src 'self' blob:; connect-src 'self'; img-src 'self' data: blob:; \
style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; form-action 'none'";

/// Writes the policy into `dist/index.html`, after its `<meta charset>`; returns it.
pub fn fill_in(dist: &Path) -> Result<String> {
    let path = dist.join("index.html");
    let page = String::from_utf8(read(&path)?).map_err(|e| e.to_string())?;
    let (page, policy) = with_policy(&page)?;
    write(&path, page.as_bytes())?;
    Ok(policy)
}

fn with_policy(page: &str) -> Result<(String, String)> {
    let hashes: String = inline_scripts(page)
        .map(|script| {
            format!(
                " 'sha256-{}'",
                integrity(&Sha256::digest(script.as_bytes()))
            )
        })
        .collect();
    let policy = POLICY.replace("{hashes}", &hashes);
    let charset = "<meta charset=\"utf-8\" />";
    let at = page
        .find(charset)
        .ok_or("index.html: no <meta charset=\"utf-8\" /> to put the policy after")?
        + charset.len();
    let meta =
        format!("\n    <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\" />");
    Ok((format!("{}{meta}{}", &page[..at], &page[at..]), policy))
}

/// The text of each `<script>` without a `src`.
fn inline_scripts(page: &str) -> impl Iterator<Item = &str> {
    page.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        let body = &body[..body.find("</script>")?];
        (!attributes.contains("src=")).then_some(body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_pages_inline_scripts() {
        let page = "<head>\n    <meta charset=\"utf-8\" />\n<script>let a = 1;</script>\
            <script type=\"module\" src=\"app.js\"></script><script type=\"module\">go()</script></head>";
        let (page, policy) = with_policy(page).unwrap();
        let hash = |s: &str| integrity(&Sha256::digest(s.as_bytes()));
        assert!(policy.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{}' 'sha256-{}';",
            hash("let a = 1;"),
            hash("go()")
        )));
        assert!(page.starts_with(&format!(
            "<head>\n    <meta charset=\"utf-8\" />\n    <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\" />\n<script>"
        )));
        assert!(with_policy("<head></head>").is_err());
    }
}
