//! Shared checks: parse an SVG with an XML parser and look at its structure.
#![allow(dead_code)]

use roxmltree::{Document, Node};

/// Parses the SVG and checks what every chart must have: an `svg` root with
/// a viewBox, width ≤ 1200, `role="img"`, a non-empty `<title>` and `<desc>`.
pub fn parse(svg: &str) -> Document<'_> {
    let doc = Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let vb: Vec<f64> = root
        .attribute("viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(vb.len(), 4);
    assert!(vb[2] > 0.0 && vb[2] <= 1200.0, "width {}", vb[2]);
    assert!(vb[3] > 0.0, "height {}", vb[3]);
    assert_eq!(
        root.attribute("width").map(|w| w.parse::<f64>().unwrap()),
        Some(vb[2])
    );
    assert_eq!(root.attribute("role"), Some("img"));
    let kids: Vec<Node> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(kids[0].tag_name().name(), "title", "first child is <title>");
    assert!(!kids[0].text().unwrap_or("").is_empty());
    assert_eq!(kids[1].tag_name().name(), "desc", "second child is <desc>");
    assert!(kids[1].text().unwrap_or("").len() > 10);
    doc
}

/// Elements whose `class` attribute is exactly `class`.
pub fn by_class<'a>(doc: &'a Document<'a>, class: &str) -> Vec<Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .collect()
}

/// The text (tspans joined by `|`) of every `<text>` element of `class`.
pub fn texts(doc: &Document, class: &str) -> Vec<String> {
    by_class(doc, class)
        .iter()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .map(|d| d.text().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// The chart's title and description.
pub fn title_desc(doc: &Document) -> (String, String) {
    let root = doc.root_element();
    let get = |name: &str| {
        root.children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .unwrap_or("")
            .to_string()
    };
    (get("title"), get("desc"))
}

/// Number of points in a path's data (`M` and `L` commands).
pub fn path_points(d: &str) -> usize {
    d.matches(['M', 'L']).count()
}
