//! The HTML page: well-formed (parsed as XML), every section present, no
//! script, every text escaped, charts inlined, deterministic.

use roxmltree::Document;
use ua_report::{Bar, HtmlTable, Item, LineChart, Page, bar_chart};

const EVIL: &str = "<script>alert('x')</script> & \"quotes\"";

fn page() -> Page {
    let loss = LineChart::new("Loss per epoch")
        .x_axis("epoch", "")
        .y_axis("loss", "cross-entropy")
        .series_y("training", &[0.7, 0.5, 0.4])
        .series_y(EVIL, &[0.7, 0.6, 0.55])
        .to_svg()
        .unwrap();
    let bars = bar_chart("Importance", ("drop in AUC", ""), &[Bar::new(EVIL, 0.1)]).unwrap();
    let table = HtmlTable::new(&["segment", "customers", EVIL])
        .caption(EVIL)
        .row(["loyal", "120", "24.0%"])
        .row([EVIL, "-3.5", "n/a"]);
    Page::new(format!("Shop report {EVIL}"))
        .summary(["1000 customers in 4 segments.", EVIL])
        .section(
            "Who will buy",
            "Curves further up are better.",
            vec![loss.into(), Item::Paragraph(EVIL.into())],
        )
        .section(
            "Segments",
            EVIL,
            vec![table.into(), Item::List(vec!["a".into(), EVIL.into()])],
        )
        .section(EVIL, "Longer bars matter more.", vec![bars.into()])
        .footer(EVIL)
}

#[test]
fn page_is_well_formed_self_contained_and_escaped() {
    let html = page().to_html().unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    assert!(
        !html.to_lowercase().contains("<script"),
        "a script tag got through"
    );
    assert!(
        !html.contains("http://")
            || html.matches("http://").count() == html.matches("xmlns=\"http://").count(),
        "only namespace URIs, no links"
    );
    assert!(
        !html.contains("https://") && !html.contains(" src="),
        "no external resources"
    );
    let doc = Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("page is not well-formed: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "html");
    let h2: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("h2"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        h2,
        ["Summary", "Contents", "Who will buy", "Segments", EVIL]
    );
    let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
    assert_eq!(title.text(), Some(format!("Shop report {EVIL}").as_str()));
    // Two inline charts, each with its own title.
    let svgs: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("svg"))
        .collect();
    assert_eq!(svgs.len(), 2);
    assert!(svgs.iter().all(|s| s.attribute("role") == Some("img")));
    // The table: caption, header and two rows, numbers right-aligned.
    let tds: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("td")).collect();
    assert_eq!(tds.len(), 6);
    assert_eq!(tds[3].text(), Some(EVIL));
    assert_eq!(tds[4].attribute("class"), Some("num"));
    assert_eq!(tds[5].attribute("class"), None);
    let caption = doc
        .descendants()
        .find(|n| n.has_tag_name("caption"))
        .unwrap();
    assert_eq!(caption.text(), Some(EVIL));
    // Summary sentences and the reading guide come through as text.
    let lis: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("li"))
        .filter_map(|n| n.text())
        .collect();
    assert!(lis.contains(&"1000 customers in 4 segments.") && lis.contains(&EVIL));
    let guides: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("guide"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        guides,
        [
            "Curves further up are better.",
            EVIL,
            "Longer bars matter more."
        ]
    );
    // Contents link to every section.
    let links: Vec<_> = doc
        .descendants()
        .filter_map(|n| n.attribute("href"))
        .collect();
    assert_eq!(links, ["#section-1", "#section-2", "#section-3"]);
    let footer = doc
        .descendants()
        .find(|n| n.has_tag_name("footer"))
        .unwrap();
    assert_eq!(footer.text(), Some(EVIL));
}

#[test]
fn page_is_deterministic() {
    assert_eq!(page().to_html().unwrap(), page().to_html().unwrap());
}

#[test]
fn a_bad_table_names_its_section_and_row() {
    let bad = HtmlTable::new(&["a", "b"]).row(["1", "2"]).row(["3"]);
    let e = Page::new("R")
        .section("Segments", "", vec![bad.into()])
        .to_html()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("section `Segments`, table row 1") && e.contains("expected length 2, found 1"),
        "{e}"
    );
}
