//! The typst world a report is typeset in: the built-in template as the main file, the report's
//! data and charts as the only other files, and the fonts shipped with wirescope (nothing read
//! from the system, nothing downloaded).

use std::collections::HashMap;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Dict, Duration, IntoValue};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The template, compiled into the binary.
const TEMPLATE: &str = include_str!("../template/report.typ");

/// The fonts, compiled into the binary (see fonts/README.md for what each covers).
static FONT_FILES: [&[u8]; 5] = [
    include_bytes!("../fonts/DejaVuSans.ttf"),
    include_bytes!("../fonts/DejaVuSans-Bold.ttf"),
    include_bytes!("../fonts/DejaVuSansMono.ttf"),
    include_bytes!("../fonts/DejaVuSansMono-Bold.ttf"),
    include_bytes!("../fonts/DroidSansFallback.ttf"),
];

/// The fonts parsed once per process, and their book.
static FONTS: LazyLock<(Vec<Font>, LazyHash<FontBook>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONT_FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    let book = LazyHash::new(FontBook::from_fonts(&fonts));
    (fonts, book)
});

/// A file id in the report's project root. Ids are interned for the life of the process (and
/// there are at most 65,535), so a report names its files from a fixed set, never uniquely.
pub(crate) fn file_id(name: &str) -> FileId {
    let path = VirtualPath::new(name).unwrap_or_else(|_| {
        // Names are ours ("data.json", "chart-3.svg"); none fails.
        VirtualPath::new("invalid").expect("a plain file name is a valid virtual path")
    });
    RootedPath::new(VirtualRoot::Project, path).intern()
}

/// One report's world.
pub(crate) struct ReportWorld {
    library: LazyHash<Library>,
    main: FileId,
    source: Source,
    files: HashMap<FileId, Bytes>,
}

impl ReportWorld {
    /// A world with `files` (name -> bytes) beside the template, and `inputs` as `sys.inputs`.
    pub(crate) fn new(files: Vec<(String, Vec<u8>)>, inputs: Vec<(&str, String)>) -> Self {
        let mut dict = Dict::new();
        for (k, v) in inputs {
            dict.insert(k.into(), v.into_value());
        }
        let main = file_id("report.typ");
        ReportWorld {
            library: LazyHash::new(Library::builder().with_inputs(dict).build()),
            main,
            source: Source::new(main, TEMPLATE.to_string()),
            files: files
                .into_iter()
                .map(|(name, data)| (file_id(&name), Bytes::new(data)))
                .collect(),
        }
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.1
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main {
            return Ok(Bytes::from_string(TEMPLATE));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.0.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // The template prints the generation time it is given; it never asks for today.
        None
    }
}
