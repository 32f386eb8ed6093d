//! Row provenance: rows read from a file keep their 1-based file line through
//! every operation that reorders or subsets rows, so errors found after a
//! split point at the line the user can open in an editor.

use ua_data::csv_io::{CsvOptions, read_csv_reader};
use ua_data::join::{concat, inner_join, left_join};
use ua_data::split::{KFold, train_test_split};
use ua_data::{Column, Error, Table};

/// 200 data rows (file lines 2..=201); `x` is missing on line 102 (row 100).
fn orders() -> Table {
    let mut csv = String::from("user,x,flag\n");
    for i in 0..200 {
        let x = if i == 100 {
            "NA".to_string()
        } else {
            format!("{}.5", i % 17)
        };
        csv.push_str(&format!("u{},{x},{}\n", i % 23, i % 2 == 0));
    }
    read_csv_reader(csv.as_bytes(), "orders.csv", &CsvOptions::default()).unwrap()
}

#[test]
fn bad_value_on_line_102_at_row_50_of_a_training_split_is_reported_at_line_102() {
    let t = orders();
    assert_eq!(t.source_line(100), Some(102));
    // Row 100 of the file becomes row 50 of the training table.
    let mut rows: Vec<usize> = (0..100).rev().collect();
    rows.insert(50, 100);
    let train = t.take(&rows).unwrap();
    assert_eq!(train.source_line(50), Some(102));
    assert_eq!(train.locate(50), "line 102");
    let err = train.numeric_matrix(&["x"]).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(&err, Error::MissingAt { column, count: 1, at, .. } if column == "x" && at == "line 102"),
        "{msg}"
    );
    assert!(msg.contains("first at line 102"), "{msg}");
    assert!(!msg.contains("row 50") && !msg.contains("row 51"), "{msg}");
}

#[test]
fn a_seeded_train_test_split_keeps_the_file_lines() {
    let t = orders();
    let (train_rows, test_rows) = train_test_split(t.n_rows(), 0.25, 3, None).unwrap();
    for rows in [&train_rows, &test_rows] {
        let part = t.take(rows).unwrap();
        for (i, &r) in rows.iter().enumerate() {
            assert_eq!(part.source_line(i), Some(r as u64 + 2));
        }
        let pos = rows.iter().position(|&r| r == 100);
        let err = part.numeric_matrix(&["x"]);
        match pos {
            Some(p) => {
                let msg = err.unwrap_err().to_string();
                assert!(msg.contains("first at line 102"), "{msg}");
                assert!(!msg.contains(&format!("row {p}")), "{msg}");
            }
            None => assert!(err.is_ok()),
        }
    }
    for (train, test) in KFold::default().split(t.n_rows()).unwrap() {
        let part = t.take(&test).unwrap();
        assert_eq!(part.source_line(0), Some(test[0] as u64 + 2));
        let part = t.take(&train).unwrap();
        assert_eq!(
            part.locate(train.len() - 1),
            format!("line {}", train[train.len() - 1] + 2)
        );
    }
}

#[test]
fn quoted_newlines_move_the_following_lines() {
    let csv = "id,note\na,\"one\ntwo\nthree\"\nb,plain\n\"c\r\nd\",x\ne,y\n";
    let t = read_csv_reader(csv.as_bytes(), "notes.csv", &CsvOptions::default()).unwrap();
    assert_eq!(t.source_lines(), Some(&[2, 5, 6, 8][..]));
    assert_eq!(t.locate(3), "line 8");
}

#[test]
fn crlf_and_bom_files_count_lines_like_an_editor() {
    let csv = "\u{feff}id,x\r\na,1\r\nb,2\r\n";
    let t = read_csv_reader(csv.as_bytes(), "win.csv", &CsvOptions::default()).unwrap();
    assert_eq!(t.source_lines(), Some(&[2, 3][..]));
    let t = read_csv_reader(
        &b"1,2\n3,4\n"[..],
        "raw.csv",
        &CsvOptions::default().has_header(false),
    )
    .unwrap();
    assert_eq!(t.source_lines(), Some(&[1, 2][..]));
}

#[test]
fn every_row_operation_carries_the_lines() {
    let t = orders();
    let f = t
        .filter(&(0..200).map(|i| i % 50 == 7).collect::<Vec<_>>())
        .unwrap();
    assert_eq!(f.source_lines(), Some(&[9, 59, 109, 159][..]));
    let s = t.head(4).sort_by("x", true).unwrap();
    assert_eq!(s.source_lines(), Some(&[5, 4, 3, 2][..]));
    assert_eq!(t.select(&["x"]).unwrap().locate(3), "line 5");
    assert_eq!(t.drop_columns(&["user"]).unwrap().locate(3), "line 5");
    assert_eq!(t.select(&[]).unwrap().source_lines(), None);

    // Joins keep the left table's lines; the right table's do not matter.
    let users = Table::new(vec![
        ("user".into(), Column::categorical(&["u1", "u2"])),
        ("country".into(), Column::categorical(&["NO", "FR"])),
    ])
    .unwrap();
    let j = inner_join(&t.head(5), &users, &["user"]).unwrap();
    assert_eq!(j.source_lines(), Some(&[3, 4][..]));
    let j = left_join(&t.head(3), &users, &["user"]).unwrap();
    assert_eq!(j.source_lines(), Some(&[2, 3, 4][..]));

    // Concatenation: each file's own lines; rows built in memory have none.
    let mem = Table::new(vec![
        ("user".into(), Column::categorical(&["m"])),
        ("x".into(), Column::numeric(vec![1.0])),
        ("flag".into(), Column::boolean(vec![true])),
    ])
    .unwrap();
    let c = concat(&[t.head(2), mem.clone(), t.take(&[199]).unwrap()]).unwrap();
    assert_eq!(c.source_lines(), Some(&[2, 3, 0, 201][..]));
    assert_eq!(
        (c.locate(1), c.locate(2), c.locate(3)),
        (
            "line 3".to_string(),
            "row 3".to_string(),
            "line 201".to_string()
        )
    );
    assert_eq!(concat(&[mem.clone(), mem]).unwrap().source_lines(), None);
}

#[test]
fn tables_built_in_memory_have_no_lines_and_equality_ignores_lines() {
    let mem = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    assert_eq!(mem.source_line(0), None);
    assert_eq!(mem.locate(0), "row 1");
    assert_eq!(mem.locate(1), "row 2");
    let read = read_csv_reader(&b"x\n1\n2\n"[..], "x.csv", &CsvOptions::default()).unwrap();
    assert_eq!(read.source_line(1), Some(3));
    assert_eq!(read.source_line(2), None); // out of range
    assert_eq!(read, mem);
    // Serialised tables do not keep provenance.
    let back: Table = serde_json::from_str(&serde_json::to_string(&read).unwrap()).unwrap();
    assert_eq!(back.source_lines(), None);
    // Replacing or adding a column keeps the rows' lines.
    let mut r = read.clone();
    r.add_column("y", Column::numeric(vec![0.0, 0.0])).unwrap();
    r.replace_column("x", Column::boolean(vec![true, false]))
        .unwrap();
    assert_eq!(r.source_lines(), Some(&[2, 3][..]));
}

#[test]
fn a_text_column_asked_for_numbers_quotes_the_value_and_its_line() {
    let mut csv = String::from("order,amount\n");
    for i in 0..12 {
        let amount = if i == 10 {
            "$29.33".to_string()
        } else {
            format!("{i}.25")
        };
        csv.push_str(&format!("o{i},{amount}\n"));
    }
    let t = read_csv_reader(csv.as_bytes(), "orders.csv", &CsvOptions::default()).unwrap();
    let msg = t.numeric("amount").unwrap_err().to_string();
    assert!(msg.contains("`amount` has type categorical"), "{msg}");
    assert!(msg.contains("`$29.33` at line 12 is not a number"), "{msg}");
    let msg = t
        .take(&[11, 10])
        .unwrap()
        .numeric("amount")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("`$29.33` at line 12"), "{msg}");
    // Identifiers: all values are numbers, but one has a leading zero.
    let t = read_csv_reader(&b"id\n4\n00004\n"[..], "ids.csv", &CsvOptions::default()).unwrap();
    let msg = t.numeric("id").unwrap_err().to_string();
    assert!(
        msg.contains("identifiers such as `00004` at line 3"),
        "{msg}"
    );
}
