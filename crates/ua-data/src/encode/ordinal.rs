//! Ordinal encoding: [`OrdinalEncoder`], its fitted form and the fitted
//! encoding of one column.

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::{
    Coded, ENCODABLE, EncodeCounts, MISSING, check_sorted, coded, level_counts, no_category,
};
use crate::pipeline::{FittedStep, TransformReport};
use crate::transform::{distinct_names, resolve_columns};
use crate::{Column, Error, NumericColumn, Result, Table, Transform, Transformer};

/// The fitted ordinal encoding of one column: its sorted categories, whose
/// positions are the codes.
///
/// ```
/// use ua_data::encode::OrdinalEncoder;
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("c".into(), Column::categorical(&["m", "s", "l"]))]).unwrap();
/// let enc = OrdinalEncoder::new(&["c"]).fit(&t).unwrap();
/// assert_eq!(enc.columns()[0].levels(), &["l", "m", "s"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdinalColumn {
    column: String,
    levels: Vec<String>,
    unknown_value: Option<f64>,
}

impl OrdinalColumn {
    pub(crate) fn fit(
        name: &str,
        coded: &Coded<'_>,
        unknown_value: Option<f64>,
        table: &Table,
    ) -> Result<Self> {
        let (counts, n_missing) = level_counts(coded);
        if counts.is_empty() {
            return Err(no_category("OrdinalEncoder::fit", name, table, n_missing));
        }
        Ok(OrdinalColumn {
            column: name.to_owned(),
            levels: counts.into_keys().map(str::to_owned).collect(),
            unknown_value,
        })
    }

    /// The input column's name.
    ///
    /// ```
    /// use ua_data::encode::OrdinalEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert_eq!(OrdinalEncoder::new(&["c"]).fit(&t).unwrap().columns()[0].column(), "c");
    /// ```
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The categories in code order (alphabetical).
    ///
    /// ```
    /// use ua_data::encode::OrdinalEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::boolean(vec![true, false]))]).unwrap();
    /// assert_eq!(OrdinalEncoder::new(&["c"]).fit(&t).unwrap().columns()[0].levels(), &["false", "true"]);
    /// ```
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    fn invariants(&self) -> std::result::Result<(), String> {
        check_sorted(&self.column, "levels", &self.levels)?;
        if self.levels.is_empty() {
            return Err(format!("column `{}` has no category", self.column));
        }
        match self.unknown_value {
            Some(u) if !u.is_finite() => Err(format!(
                "column `{}`: unknown_value must be finite, found {u}",
                self.column
            )),
            _ => Ok(()),
        }
    }

    /// Codes of `coded` and a missing mask (missing values stay missing).
    pub(crate) fn encode(
        &self,
        op: &'static str,
        coded: &Coded<'_>,
        table: &Table,
    ) -> Result<(Vec<f64>, Vec<bool>, EncodeCounts)> {
        let lookup = |l: &str| {
            self.levels
                .binary_search_by(|x| x.as_str().cmp(l))
                .ok()
                .map(|i| i as f64)
        };
        let map: Vec<Option<f64>> = coded.levels.iter().map(|l| lookup(l)).collect();
        let n = coded.codes.len();
        let (mut values, mut missing) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut counts = EncodeCounts::default();
        for (r, &c) in coded.codes.iter().enumerate() {
            if c == MISSING {
                counts.missing += 1;
                values.push(f64::NAN);
                missing.push(true);
                continue;
            }
            let v = match map.get(c as usize).copied().flatten() {
                Some(v) => v,
                None => match self.unknown_value {
                    Some(u) => {
                        counts.unknown += 1;
                        u
                    }
                    None => {
                        return Err(Error::UnknownCategory {
                            op,
                            column: self.column.clone(),
                            at: table.locate(r),
                            value: coded.levels.get(c as usize).cloned().unwrap_or_default(),
                        });
                    }
                },
            };
            values.push(v);
            missing.push(false);
        }
        Ok((values, missing, counts))
    }
}

/// Ordinal encoding: each categorical or boolean column is replaced by a
/// numeric column holding the index of its category in the sorted list of
/// training categories (`false` = 0, `true` = 1 for booleans).
///
/// An unseen category becomes `unknown_value` when set, or an error naming
/// the column, row and value. Missing values stay missing.
///
/// ```
/// use ua_data::encode::OrdinalEncoder;
/// use ua_data::{Column, Table, Transform, Transformer};
/// let train = Table::new(vec![("size".into(), Column::categorical(&["m", "s", "l"]))]).unwrap();
/// let enc = OrdinalEncoder::new(&["size"]).unknown_value(-1.0).fit(&train).unwrap();
/// let test = Table::new(vec![("size".into(), Column::categorical(&["s", "xl"]))]).unwrap();
/// assert_eq!(enc.transform(&test).unwrap().numeric("size").unwrap().values(), &[2.0, -1.0]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdinalEncoder {
    /// The columns to encode.
    pub columns: Vec<String>,
    /// Code for unseen categories (`None`: an unseen category is an error).
    pub unknown_value: Option<f64>,
}

impl OrdinalEncoder {
    /// An encoder of `columns`; unseen categories are an error.
    ///
    /// ```
    /// assert_eq!(ua_data::encode::OrdinalEncoder::new(&["c"]).unknown_value, None);
    /// ```
    pub fn new(columns: &[&str]) -> Self {
        OrdinalEncoder {
            columns: columns.iter().map(|&c| c.to_owned()).collect(),
            unknown_value: None,
        }
    }

    /// An encoder of every categorical and boolean column of the table it is
    /// fitted on.
    ///
    /// ```
    /// use ua_data::encode::OrdinalEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert_eq!(OrdinalEncoder::all().fit(&t).unwrap().columns()[0].column(), "c");
    /// ```
    pub fn all() -> Self {
        Self::new(&[])
    }

    /// Encodes unseen categories as `v` instead of failing.
    ///
    /// ```
    /// assert_eq!(ua_data::encode::OrdinalEncoder::new(&["c"]).unknown_value(-1.0).unknown_value, Some(-1.0));
    /// ```
    pub fn unknown_value(mut self, v: f64) -> Self {
        self.unknown_value = Some(v);
        self
    }
}

/// A fitted [`OrdinalEncoder`].
///
/// ```
/// use ua_data::encode::{FittedOrdinalEncoder, OrdinalEncoder};
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
/// let enc = OrdinalEncoder::new(&["c"]).fit(&t).unwrap();
/// let back: FittedOrdinalEncoder = serde_json::from_str(&serde_json::to_string(&enc).unwrap()).unwrap();
/// assert_eq!(back, enc);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedOrdinalEncoder {
    columns: Vec<OrdinalColumn>,
}

impl FittedOrdinalEncoder {
    /// The fitted encoding of each column.
    ///
    /// ```
    /// use ua_data::encode::OrdinalEncoder;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert_eq!(OrdinalEncoder::new(&["c"]).fit(&t).unwrap().columns().len(), 1);
    /// ```
    pub fn columns(&self) -> &[OrdinalColumn] {
        &self.columns
    }
}

impl Transformer for OrdinalEncoder {
    type Fitted = FittedOrdinalEncoder;

    /// Learns the sorted categories of each column.
    fn fit(&self, table: &Table) -> Result<FittedOrdinalEncoder> {
        const OP: &str = "OrdinalEncoder::fit";
        if let Some(u) = self.unknown_value.filter(|u| !u.is_finite()) {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "unknown_value",
                message: format!("must be finite, found {u}"),
            });
        }
        let columns = resolve_columns(table, &self.columns, &ENCODABLE)
            .iter()
            .map(|name| {
                OrdinalColumn::fit(name, &coded(table, name, OP)?, self.unknown_value, table)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(FittedOrdinalEncoder { columns })
    }
}

impl FittedOrdinalEncoder {
    fn encode_table(&self, table: &Table) -> Result<(Table, Vec<EncodeCounts>)> {
        const OP: &str = "OrdinalEncoder::transform";
        let mut out = table.clone();
        let mut counts = Vec::with_capacity(self.columns.len());
        for col in &self.columns {
            let (values, missing, k) = col.encode(OP, &coded(table, &col.column, OP)?, table)?;
            out.replace_column(
                &col.column,
                Column::Numeric(NumericColumn::new(values, missing)?),
            )?;
            counts.push(k);
        }
        Ok((out, counts))
    }
}

impl Transform for FittedOrdinalEncoder {
    /// Replaces each encoded column by its numeric codes.
    fn transform(&self, table: &Table) -> Result<Table> {
        self.encode_table(table).map(|(t, _)| t)
    }
}

impl Persist for FittedOrdinalEncoder {
    const KIND: &'static str = "ua-data/ordinal-encoder";

    /// Columns are distinct; each column's levels are sorted without
    /// duplicates and not empty; `unknown_value` is finite.
    fn validate(&self) -> std::result::Result<(), String> {
        distinct_names("column", self.columns.iter().map(|c| c.column.as_str()))?;
        self.columns.iter().try_for_each(OrdinalColumn::invariants)
    }
}

#[typetag::serde(name = "ua-data/ordinal-encoder")]
impl FittedStep for FittedOrdinalEncoder {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }

    /// Encodes, adding categories coded as `unknown_value` to `unknown_categories`.
    fn transform_reporting(&self, table: &Table, report: &mut TransformReport) -> Result<Table> {
        let (out, counts) = self.encode_table(table)?;
        for (col, k) in self.columns.iter().zip(counts) {
            report.column_mut(&col.column).unknown_categories += k.unknown;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_value_must_be_finite() {
        let col = |u: Option<f64>| OrdinalColumn {
            column: "c".into(),
            levels: vec!["a".into()],
            unknown_value: u,
        };
        assert!(col(Some(-1.0)).invariants().is_ok());
        assert!(col(None).invariants().is_ok());
        let e = col(Some(f64::INFINITY)).invariants().unwrap_err();
        assert!(e.contains("unknown_value must be finite, found inf"), "{e}");
    }
}
