//! One way to run SQL on either backend: statements are written once, in the SQL both SQLite and
//! PostgreSQL accept, with numbered parameters (`?1`, rewritten to `$1` for PostgreSQL); values
//! go in as [`Arg`]s and come out through [`Row::get`], converted by what the column holds rather
//! than by its declared type, as SQLite does.

use crate::StoreError;
use std::borrow::Cow;
use tokio::runtime::Handle;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// A statement's parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A Rust value a statement takes as a parameter.
pub(crate) trait AsArg {
    fn arg(&self) -> Arg<'_>;
}

macro_rules! int_args {
    ($($t:ty),*) => {$(
        impl AsArg for $t {
            fn arg(&self) -> Arg<'_> {
                Arg::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_args!(i64, i32, i16, u8, u16, u32, u64, usize);

impl AsArg for bool {
    fn arg(&self) -> Arg<'_> {
        Arg::Int(i64::from(*self))
    }
}
impl AsArg for f64 {
    fn arg(&self) -> Arg<'_> {
        Arg::Real(*self)
    }
}
impl AsArg for str {
    fn arg(&self) -> Arg<'_> {
        Arg::Text(self)
    }
}
impl AsArg for String {
    fn arg(&self) -> Arg<'_> {
        Arg::Text(self)
    }
}
impl AsArg for [u8] {
    fn arg(&self) -> Arg<'_> {
        Arg::Blob(self)
    }
}
impl AsArg for Vec<u8> {
    fn arg(&self) -> Arg<'_> {
        Arg::Blob(self)
    }
}
impl<T: AsArg + ?Sized> AsArg for &T {
    fn arg(&self) -> Arg<'_> {
        (**self).arg()
    }
}
impl<T: AsArg> AsArg for Option<T> {
    fn arg(&self) -> Arg<'_> {
        self.as_ref().map_or(Arg::Null, AsArg::arg)
    }
}
impl<'a> AsArg for Arg<'a> {
    fn arg(&self) -> Arg<'_> {
        *self
    }
}

/// A statement's parameters: `params![a, b, c]`.
macro_rules! params {
    () => { &[] as &[$crate::sql::Arg<'_>] };
    ($($x:expr),+ $(,)?) => { &[$($crate::sql::AsArg::arg(&$x)),+] as &[$crate::sql::Arg<'_>] };
}
pub(crate) use params;

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match *self {
            Arg::Null => ToSqlOutput::Owned(Value::Null),
            Arg::Int(v) => ToSqlOutput::Owned(Value::Integer(v)),
            Arg::Real(v) => ToSqlOutput::Owned(Value::Real(v)),
            Arg::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Arg::Blob(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

/// PostgreSQL types its parameters: a value is encoded as the type the server inferred for it,
/// so one integer fits a BIGINT, an INTEGER or a BOOLEAN column alike.
impl ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Arg::Null => Ok(IsNull::Yes),
            Arg::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot be stored as {ty}").into()),
            },
            Arg::Real(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                Type::FLOAT4 => (v as f32).to_sql(ty, out),
                _ => Err(format!("a real number cannot be stored as {ty}").into()),
            },
            Arg::Text(v) => match *ty {
                Type::BYTEA => v.as_bytes().to_sql(ty, out),
                _ => v.to_sql(&Type::TEXT, out),
            },
            Arg::Blob(v) => v.to_sql(&Type::BYTEA, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A value read from a row, whatever type its column was declared with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl AsArg for Val {
    fn arg(&self) -> Arg<'_> {
        match self {
            Val::Null => Arg::Null,
            Val::Int(i) => Arg::Int(*i),
            Val::Real(f) => Arg::Real(*f),
            Val::Text(s) => Arg::Text(s),
            Val::Blob(b) => Arg::Blob(b),
        }
    }
}

/// A Rust value a column converts to.
pub(crate) trait FromVal: Sized {
    fn from_val(v: Val) -> Result<Self, String>;
}

macro_rules! int_vals {
    ($($t:ty),*) => {$(
        impl FromVal for $t {
            fn from_val(v: Val) -> Result<Self, String> {
                match v {
                    Val::Int(i) => <$t>::try_from(i).map_err(|_| format!("{i} is out of range")),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
int_vals!(i64, i32, i16, u8, u16, u32, u64, usize);

impl FromVal for bool {
    fn from_val(v: Val) -> Result<Self, String> {
        i64::from_val(v).map(|i| i != 0)
    }
}
impl FromVal for f64 {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Real(f) => Ok(f),
            Val::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromVal for String {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Text(s) => Ok(s),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromVal for Vec<u8> {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Blob(b) => Ok(b),
            Val::Text(s) => Ok(s.into_bytes()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
}

/// A column's position in a row.
pub(crate) trait RowIndex {
    fn index(self) -> usize;
}
impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// A row of a query's answer, from either backend.
#[derive(Debug)]
pub(crate) enum Row<'a, 'b> {
    Lite(&'a rusqlite::Row<'b>),
    Pg(&'a tokio_postgres::Row),
}

impl Row<'_, '_> {
    /// The value of column `i` as it is.
    pub(crate) fn value(&self, i: usize) -> Result<Val, StoreError> {
        match self {
            Row::Lite(r) => lite_val(r, i),
            Row::Pg(r) => pg_val(r, i),
        }
    }

    /// The value of column `i`, converted to `T`.
    pub(crate) fn get<I: RowIndex, T: FromVal>(&self, i: I) -> Result<T, StoreError> {
        let i = i.index();
        let val = match self {
            Row::Lite(r) => lite_val(r, i)?,
            Row::Pg(r) => pg_val(r, i)?,
        };
        T::from_val(val).map_err(|message| StoreError::Column { index: i, message })
    }
}

fn lite_val(r: &rusqlite::Row<'_>, i: usize) -> Result<Val, StoreError> {
    use rusqlite::types::ValueRef;
    Ok(match r.get_ref(i)? {
        ValueRef::Null => Val::Null,
        ValueRef::Integer(v) => Val::Int(v),
        ValueRef::Real(v) => Val::Real(v),
        ValueRef::Text(t) => {
            Val::Text(
                String::from_utf8(t.to_vec()).map_err(|e| StoreError::Column {
                    index: i,
                    message: e.to_string(),
                })?,
            )
        }
        ValueRef::Blob(b) => Val::Blob(b.to_vec()),
    })
}

fn pg_val(r: &tokio_postgres::Row, i: usize) -> Result<Val, StoreError> {
    let column = r.columns().get(i).ok_or(StoreError::Column {
        index: i,
        message: "no such column".into(),
    })?;
    let ty = column.type_().clone();
    let val = match ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Val::Int),
        Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|v| Val::Int(v.into())),
        Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|v| Val::Int(v.into())),
        Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(|v| Val::Int(v.into())),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Val::Real),
        Type::FLOAT4 => r.try_get::<_, Option<f32>>(i)?.map(|v| Val::Real(v.into())),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Val::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            r.try_get::<_, Option<String>>(i)?.map(Val::Text)
        }
        other => {
            return Err(StoreError::Column {
                index: i,
                message: format!("the store does not read columns of type {other}"),
            });
        }
    };
    Ok(val.unwrap_or(Val::Null))
}

/// A PostgreSQL client or an open transaction on one.
#[derive(Clone, Copy)]
pub(crate) enum PgRef<'a> {
    Client(&'a deadpool_postgres::Client),
    Tx(&'a deadpool_postgres::Transaction<'a>),
}

/// Where statements run: a SQLite connection (or a transaction on it, which derefs to one), or
/// a PostgreSQL client or transaction driven from this blocking thread.
#[derive(Clone, Copy)]
pub(crate) enum Db<'a> {
    /// SQLite, with where the runs a write changed are noted (told once it commits).
    Lite(&'a rusqlite::Connection, Option<&'a crate::Said>),
    Pg {
        rt: &'a Handle,
        c: PgRef<'a>,
    },
}

impl std::fmt::Debug for Db<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Db::Lite(..) => "Db::Lite",
            Db::Pg { .. } => "Db::Pg",
        })
    }
}

/// Waits for `f` on the store's runtime. Outside any runtime (a blocking thread, where the
/// store's callers are meant to be) that is a plain `block_on`. A caller on a multi-threaded
/// runtime's worker gives the worker up for the while, as a SQLite call would hold it; one on a
/// single-threaded runtime (the CLI's) waits on a thread of its own: either instead of panicking.
pub(crate) fn block_on<F>(rt: &Handle, f: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    match Handle::try_current() {
        Ok(current) if current.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| rt.block_on(f))
        }
        Ok(_) => std::thread::scope(|s| {
            s.spawn(|| rt.block_on(f))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Err(_) => rt.block_on(f),
    }
}

/// `?1` → `$1`, outside quoted strings.
pub(crate) fn pg_sql(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        out.push(if c == '?' && !quoted { '$' } else { c });
    }
    Cow::Owned(out)
}

async fn pg_query<C: deadpool_postgres::GenericClient + Sync>(
    c: &C,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    let stmt = c.prepare_cached(&pg_sql(sql)).await?;
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
    c.query(&stmt, &params).await
}

async fn pg_stream<C: deadpool_postgres::GenericClient + Sync>(
    c: &C,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<std::pin::Pin<Box<tokio_postgres::RowStream>>, tokio_postgres::Error> {
    let stmt = c.prepare_cached(&pg_sql(sql)).await?;
    Ok(Box::pin(c.query_raw(&stmt, args.iter()).await?))
}

async fn pg_execute<C: deadpool_postgres::GenericClient + Sync>(
    c: &C,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<u64, tokio_postgres::Error> {
    let stmt = c.prepare_cached(&pg_sql(sql)).await?;
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
    c.execute(&stmt, &params).await
}

async fn pg_pipeline<C: deadpool_postgres::GenericClient + Sync>(
    c: &C,
    sql: &str,
    rows: &[&[Arg<'_>]],
) -> Result<u64, tokio_postgres::Error> {
    let stmt = c.prepare_cached(&pg_sql(sql)).await?;
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = rows
        .iter()
        .map(|args| args.iter().map(|a| a as &(dyn ToSql + Sync)).collect())
        .collect();
    let done = futures::future::try_join_all(params.iter().map(|p| c.execute(&stmt, p))).await?;
    Ok(done.into_iter().sum())
}

impl<'a> Db<'a> {
    /// Whether this is PostgreSQL (for the few statements the two spell differently).
    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, Db::Pg { .. })
    }

    /// Runs a statement; returns how many rows it changed.
    pub(crate) fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<usize, StoreError> {
        match *self {
            Db::Lite(c, _) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(args))?),
            Db::Pg { rt, c } => {
                let n = match c {
                    PgRef::Client(c) => block_on(rt, pg_execute(c, sql, args)),
                    PgRef::Tx(t) => block_on(rt, pg_execute(t, sql, args)),
                }?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs one statement once for each set of parameters: on PostgreSQL all are sent at once
    /// (pipelined), not one round trip each. Returns the rows changed in all.
    pub(crate) fn execute_many(&self, sql: &str, rows: &[&[Arg<'_>]]) -> Result<usize, StoreError> {
        match *self {
            Db::Lite(c, _) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut n = 0;
                for args in rows {
                    n += stmt.execute(rusqlite::params_from_iter(args.iter()))?;
                }
                Ok(n)
            }
            Db::Pg { rt, c } => {
                let n = match c {
                    PgRef::Client(c) => block_on(rt, pg_pipeline(c, sql, rows)),
                    PgRef::Tx(t) => block_on(rt, pg_pipeline(t, sql, rows)),
                }?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs several statements separated by semicolons, without parameters (schema changes).
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        match *self {
            Db::Lite(c, _) => Ok(c.execute_batch(sql)?),
            Db::Pg { rt, c } => Ok(match c {
                PgRef::Client(c) => block_on(rt, c.batch_execute(sql)),
                PgRef::Tx(t) => block_on(rt, t.batch_execute(sql)),
            }?),
        }
    }

    /// Every row of a query, each mapped by `f`.
    pub(crate) fn query_map<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        mut f: impl FnMut(&Row<'_, '_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        match *self {
            Db::Lite(c, _) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Lite(r))?);
                }
                Ok(out)
            }
            Db::Pg { rt, c } => {
                // Streamed: a big table (a copy, a long run's results) is never held whole.
                let mut rows = match c {
                    PgRef::Client(c) => block_on(rt, pg_stream(c, sql, args)),
                    PgRef::Tx(t) => block_on(rt, pg_stream(t, sql, args)),
                }?;
                let mut out = Vec::new();
                while let Some(r) = block_on(rt, futures::StreamExt::next(&mut rows)) {
                    out.push(f(&Row::Pg(&r?))?);
                }
                Ok(out)
            }
        }
    }

    /// The first row of a query mapped by `f`, or [`StoreError::NoRows`].
    pub(crate) fn query_row<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: impl FnOnce(&Row<'_, '_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut f = Some(f);
        let mut first = None;
        match *self {
            Db::Lite(c, _) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
                if let Some(r) = rows.next()?
                    && let Some(f) = f.take()
                {
                    first = Some(f(&Row::Lite(r))?);
                }
            }
            Db::Pg { rt, c } => {
                let rows = match c {
                    PgRef::Client(c) => block_on(rt, pg_query(c, sql, args)),
                    PgRef::Tx(t) => block_on(rt, pg_query(t, sql, args)),
                }?;
                if let Some(r) = rows.first()
                    && let Some(f) = f.take()
                {
                    first = Some(f(&Row::Pg(r))?);
                }
            }
        }
        first.ok_or(StoreError::NoRows)
    }

    /// Holds the advisory lock `key` until the transaction ends (PostgreSQL, where several
    /// servers write at once; SQLite has one writer already).
    pub(crate) fn lock(&self, key: i64) -> Result<(), StoreError> {
        if self.is_pg() {
            self.query_row(
                "SELECT pg_advisory_xact_lock(?1)::text",
                params![key],
                |_| Ok(()),
            )?;
        }
        Ok(())
    }

    /// Tells whoever listens that run `id` changed, when the write commits: the servers
    /// listening on a PostgreSQL database, this process's listeners on SQLite.
    pub(crate) fn notify_run(&self, id: i64) -> Result<(), StoreError> {
        match self {
            Db::Pg { .. } => {
                self.query_row(
                    "SELECT pg_notify(?1, ?2)::text",
                    params![crate::RUNS_CHANNEL, id.to_string()],
                    |_| Ok(()),
                )?;
            }
            Db::Lite(_, Some(said)) => said.note(id),
            Db::Lite(_, None) => {}
        }
        Ok(())
    }

    /// Runs an `INSERT ... RETURNING id` and gives the id.
    pub(crate) fn insert(&self, sql: &str, args: &[Arg<'_>]) -> Result<i64, StoreError> {
        self.query_row(sql, args, |r| r.get(0))
    }
}

/// `.optional()` on a query for one row: no row is `None`.
pub(crate) trait Optional<T> {
    fn optional(self) -> Result<Option<T>, StoreError>;
}

impl<T> Optional<T> for Result<T, StoreError> {
    fn optional(self) -> Result<Option<T>, StoreError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_strings_only() {
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d LIKE ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d LIKE $12"
        );
        assert!(matches!(pg_sql("SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn values_convert_by_what_they_hold() {
        assert_eq!(bool::from_val(Val::Int(2)), Ok(true));
        assert_eq!(Option::<i64>::from_val(Val::Null), Ok(None));
        assert!(u8::from_val(Val::Int(300)).is_err());
        assert!(String::from_val(Val::Int(1)).is_err());
        assert_eq!(f64::from_val(Val::Int(3)), Ok(3.0));
    }
}
