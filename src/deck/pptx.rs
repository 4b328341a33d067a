//! The deck as a PowerPoint file: the Office Open XML parts of a 16:9
//! presentation, written with the `zip` crate. No Rust crate that writes
//! .pptx was well kept enough to depend on (the two on the registry were
//! months old, one a port in progress), and a deck of titles, pictures,
//! text boxes and tables needs only these few small parts.

use std::io::Write;

use zip::write::SimpleFileOptions;

use super::{Deck, DeckTable, escape, is_figure};
use crate::chart::render::slide_png;

/// English Metric Units: 914,400 per inch. The slide is 13.333 × 7.5 in.
const SLIDE_WIDTH: i64 = 12_192_000;
const SLIDE_HEIGHT: i64 = 6_858_000;
const MARGIN: i64 = 457_200;
/// Rows a table slide holds: fewer when cells wrap onto two or three
/// lines (the KPI formulas); longer tables continue on the next slide.
const TABLE_ROWS_PER_SLIDE: usize = 12;
const WRAPPING_TABLE_ROWS_PER_SLIDE: usize = 7;
/// A cell longer than this wraps in the widest column.
const LONG_CELL_CHARS: usize = 40;

/// A box on the slide, in EMU.
#[derive(Clone, Copy)]
struct Frame {
    x: i64,
    y: i64,
    width: i64,
    height: i64,
}

impl Frame {
    fn xml(self) -> String {
        format!(
            r#"<a:xfrm><a:off x="{}" y="{}"/><a:ext cx="{}" cy="{}"/></a:xfrm>"#,
            self.x, self.y, self.width, self.height
        )
    }
}

const TITLE: Frame = Frame {
    x: MARGIN,
    y: 228_600,
    width: SLIDE_WIDTH - 2 * MARGIN,
    height: 731_520,
};

/// The chart at 16:9 under the title, centred.
const PICTURE: Frame = Frame {
    x: (SLIDE_WIDTH - 8_046_720) / 2,
    y: 1_005_840,
    width: 8_046_720,
    height: 4_526_280,
};

const CAPTION: Frame = Frame {
    x: MARGIN,
    y: 5_623_560,
    width: SLIDE_WIDTH - 2 * MARGIN,
    height: 1_097_280,
};

/// What one slide holds.
enum Slide<'a> {
    Title(&'a Deck),
    /// A table's rows, or one page of them (its number and the count).
    Table {
        table: &'a DeckTable,
        rows: &'a [Vec<String>],
        page: Option<(usize, usize)>,
    },
    /// A chart's title, its picture (the media file's number) and caption.
    Chart {
        title: &'a str,
        caption: &'a str,
        image: usize,
    },
}

/// The whole .pptx file.
pub fn presentation(deck: &Deck) -> Result<Vec<u8>, String> {
    let mut slides = vec![Slide::Title(deck)];
    for table in &deck.tables {
        let wraps = table
            .rows
            .iter()
            .flatten()
            .any(|cell| cell.chars().count() > LONG_CELL_CHARS);
        let per_slide = if wraps {
            WRAPPING_TABLE_ROWS_PER_SLIDE
        } else {
            TABLE_ROWS_PER_SLIDE
        };
        let pages = table.rows.len().div_ceil(per_slide).max(1);
        for (index, rows) in table.rows.chunks(per_slide).enumerate() {
            slides.push(Slide::Table {
                table,
                rows,
                page: (pages > 1).then_some((index + 1, pages)),
            });
        }
    }
    let mut images = Vec::with_capacity(deck.charts.len());
    for (index, chart) in deck.charts.iter().enumerate() {
        images.push(slide_png(chart).map_err(|e| format!("chart '{}': {e}", chart.id))?);
        slides.push(Slide::Chart {
            title: &chart.title,
            caption: &chart.caption,
            image: index + 1,
        });
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    // PNG is compressed already.
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut part = |name: &str, bytes: &[u8], options: SimpleFileOptions| -> Result<(), String> {
        zip.start_file(name, options).map_err(|e| e.to_string())?;
        zip.write_all(bytes).map_err(|e| e.to_string())
    };
    part(
        "[Content_Types].xml",
        content_types(slides.len()).as_bytes(),
        options,
    )?;
    part("_rels/.rels", PACKAGE_RELS.as_bytes(), options)?;
    part(
        "docProps/core.xml",
        core_properties(deck).as_bytes(),
        options,
    )?;
    part("docProps/app.xml", APP_PROPERTIES.as_bytes(), options)?;
    part(
        "ppt/presentation.xml",
        presentation_xml(slides.len()).as_bytes(),
        options,
    )?;
    part(
        "ppt/_rels/presentation.xml.rels",
        presentation_rels(slides.len()).as_bytes(),
        options,
    )?;
    part("ppt/theme/theme1.xml", THEME.as_bytes(), options)?;
    part(
        "ppt/slideMasters/slideMaster1.xml",
        MASTER.as_bytes(),
        options,
    )?;
    part(
        "ppt/slideMasters/_rels/slideMaster1.xml.rels",
        MASTER_RELS.as_bytes(),
        options,
    )?;
    part(
        "ppt/slideLayouts/slideLayout1.xml",
        LAYOUT.as_bytes(),
        options,
    )?;
    part(
        "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
        LAYOUT_RELS.as_bytes(),
        options,
    )?;
    for (index, slide) in slides.iter().enumerate() {
        let number = index + 1;
        let (xml, image) = slide_xml(slide);
        part(
            &format!("ppt/slides/slide{number}.xml"),
            xml.as_bytes(),
            options,
        )?;
        part(
            &format!("ppt/slides/_rels/slide{number}.xml.rels"),
            slide_rels(image).as_bytes(),
            options,
        )?;
    }
    for (index, png) in images.iter().enumerate() {
        part(&format!("ppt/media/image{}.png", index + 1), png, stored)?;
    }
    let cursor = zip.finish().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

fn slide_xml(slide: &Slide<'_>) -> (String, Option<usize>) {
    let mut shapes = String::new();
    let mut image = None;
    match slide {
        Slide::Title(deck) => {
            let title = Frame {
                y: 2_011_680,
                height: 1_371_600,
                ..TITLE
            };
            shapes.push_str(&title_shape(&deck.title, title, 3600));
            let facts = Frame {
                y: 3_474_720,
                height: 2_286_000,
                ..TITLE
            };
            shapes.push_str(&text_shape(3, "Facts", &deck.facts, facts, 1800, "404040"));
        }
        Slide::Table { table, rows, page } => {
            let title = match page {
                Some((page, pages)) => format!("{} ({page}/{pages})", table.title),
                None => table.title.clone(),
            };
            shapes.push_str(&title_shape(&title, TITLE, 2800));
            shapes.push_str(&table_frame(&table.header, rows));
            let note = Frame {
                y: SLIDE_HEIGHT - 777_240,
                height: 548_640,
                ..CAPTION
            };
            shapes.push_str(&text_shape(
                4,
                "Note",
                std::slice::from_ref(&table.note),
                note,
                1100,
                "595959",
            ));
        }
        Slide::Chart {
            title,
            caption,
            image: number,
        } => {
            shapes.push_str(&title_shape(title, TITLE, 2800));
            shapes.push_str(&format!(
                r#"<p:pic><p:nvPicPr><p:cNvPr id="3" name="Chart" descr="{}"/><p:cNvPicPr><a:picLocks noChangeAspect="1"/></p:cNvPicPr><p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed="rId2"/><a:stretch><a:fillRect/></a:stretch></p:blipFill><p:spPr>{}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>"#,
                escape(title),
                PICTURE.xml()
            ));
            shapes.push_str(&text_shape(
                4,
                "Caption",
                &[caption.to_string()],
                CAPTION,
                1100,
                "595959",
            ));
            image = Some(*number);
        }
    }
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sld {NAMESPACES}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>{shapes}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"#
    );
    (xml, image)
}

/// The slide's title placeholder, so outlines, screen readers and
/// python-pptx's `slide.shapes.title` find it.
fn title_shape(text: &str, frame: Frame, size_hundredths: u32) -> String {
    format!(
        r#"<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:spPr>{}</p:spPr><p:txBody><a:bodyPr anchor="b"><a:normAutofit/></a:bodyPr><a:lstStyle/><a:p><a:r><a:rPr lang="en-GB" sz="{size_hundredths}" b="1"><a:solidFill><a:srgbClr val="1E1E1E"/></a:solidFill></a:rPr><a:t>{}</a:t></a:r></a:p></p:txBody></p:sp>"#,
        frame.xml(),
        escape(text)
    )
}

/// A text box with one paragraph per line.
fn text_shape(
    id: u32,
    name: &str,
    lines: &[String],
    frame: Frame,
    size_hundredths: u32,
    color: &str,
) -> String {
    let paragraphs: String = lines
        .iter()
        .map(|line| {
            format!(
                r#"<a:p><a:r><a:rPr lang="en-GB" sz="{size_hundredths}"><a:solidFill><a:srgbClr val="{color}"/></a:solidFill></a:rPr><a:t>{}</a:t></a:r></a:p>"#,
                escape(line)
            )
        })
        .collect();
    format!(
        r#"<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="{name}"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr>{}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/></p:spPr><p:txBody><a:bodyPr wrap="square" anchor="t"><a:normAutofit/></a:bodyPr><a:lstStyle/>{paragraphs}</p:txBody></p:sp>"#,
        frame.xml()
    )
}

/// A native table: the header row bold on grey, numbers right-aligned.
fn table_frame(header: &[String], rows: &[Vec<String>]) -> String {
    let columns = header.len().max(1) as i64;
    let width = SLIDE_WIDTH - 2 * MARGIN;
    // The last column (a formula or a description) takes what is left.
    let narrow = width / (columns + 1);
    let widths: Vec<i64> = (0..columns)
        .map(|i| {
            if i + 1 == columns && columns > 2 {
                width - narrow * (columns - 1)
            } else {
                narrow
            }
        })
        .collect();
    let row_count = rows.len() as i64 + 1;
    let height = (SLIDE_HEIGHT - 1_143_000 - 868_680).min(row_count * 370_840);
    let row_height = height / row_count.max(1);
    let size = 1200;
    let cell = |text: &str, header: bool, right: bool| {
        let fill = if header {
            r#"<a:solidFill><a:srgbClr val="E7E6E6"/></a:solidFill>"#
        } else {
            ""
        };
        format!(
            r#"<a:tc><a:txBody><a:bodyPr/><a:lstStyle/><a:p><a:pPr algn="{}"/><a:r><a:rPr lang="en-GB" sz="{size}"{}/><a:t>{}</a:t></a:r></a:p></a:txBody><a:tcPr>{fill}</a:tcPr></a:tc>"#,
            if right { "r" } else { "l" },
            if header { r#" b="1""# } else { "" },
            escape(text)
        )
    };
    let mut xml = String::new();
    xml.push_str(&format!(r#"<a:tr h="{row_height}">"#));
    for title in header {
        xml.push_str(&cell(title, true, false));
    }
    xml.push_str("</a:tr>");
    for row in rows {
        xml.push_str(&format!(r#"<a:tr h="{row_height}">"#));
        for (i, text) in row.iter().enumerate() {
            xml.push_str(&cell(text, false, i > 0 && is_figure(text)));
        }
        xml.push_str("</a:tr>");
    }
    let grid: String = widths
        .iter()
        .map(|w| format!(r#"<a:gridCol w="{w}"/>"#))
        .collect();
    let frame = Frame {
        x: MARGIN,
        y: 1_143_000,
        width,
        height,
    };
    format!(
        r#"<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="3" name="Table"/><p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/></p:nvGraphicFramePr><p:xfrm><a:off x="{}" y="{}"/><a:ext cx="{}" cy="{}"/></p:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/table"><a:tbl><a:tblPr firstRow="1" bandRow="1"/><a:tblGrid>{grid}</a:tblGrid>{xml}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"#,
        frame.x, frame.y, frame.width, frame.height
    )
}

const NAMESPACES: &str = r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main""#;

const REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const OFFICE_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn content_types(slides: usize) -> String {
    let slide_overrides: String = (1..=slides)
        .map(|n| format!(r#"<Override PartName="/ppt/slides/slide{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>"#))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/><Override PartName="/ppt/slideMasters/slideMaster1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slideMaster+xml"/><Override PartName="/ppt/slideLayouts/slideLayout1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml"/><Override PartName="/ppt/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>{slide_overrides}</Types>"#
    )
}

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const APP_PROPERTIES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Kohorte</Application><PresentationFormat>On-screen Show (16:9)</PresentationFormat></Properties>"#;

fn core_properties(deck: &Deck) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>Kohorte</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created></cp:coreProperties>"#,
        escape(&deck.title),
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
    )
}

fn presentation_xml(slides: usize) -> String {
    let ids: String = (1..=slides)
        .map(|n| format!(r#"<p:sldId id="{}" r:id="rId{}"/>"#, 255 + n, n + 2))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:presentation {NAMESPACES}><p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst><p:sldIdLst>{ids}</p:sldIdLst><p:sldSz cx="{SLIDE_WIDTH}" cy="{SLIDE_HEIGHT}"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>"#
    )
}

fn presentation_rels(slides: usize) -> String {
    let slide_rels: String = (1..=slides)
        .map(|n| {
            format!(
                r#"<Relationship Id="rId{}" Type="{OFFICE_REL}/slide" Target="slides/slide{n}.xml"/>"#,
                n + 2
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{OFFICE_REL}/slideMaster" Target="slideMasters/slideMaster1.xml"/><Relationship Id="rId2" Type="{OFFICE_REL}/theme" Target="theme/theme1.xml"/>{slide_rels}</Relationships>"#
    )
}

fn slide_rels(image: Option<usize>) -> String {
    let picture = image
        .map(|n| {
            format!(
                r#"<Relationship Id="rId2" Type="{OFFICE_REL}/image" Target="../media/image{n}.png"/>"#
            )
        })
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{OFFICE_REL}/slideLayout" Target="../slideLayouts/slideLayout1.xml"/>{picture}</Relationships>"#
    )
}

const MASTER_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideLayout" Target="../slideLayouts/slideLayout1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="../theme/theme1.xml"/></Relationships>"#;

const LAYOUT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideMaster" Target="../slideMasters/slideMaster1.xml"/></Relationships>"#;

/// The master and its one layout ("Title only") each hold a title
/// placeholder, which the slides' titles inherit from.
const MASTER: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sldMaster xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:bg><p:bgRef idx="1001"><a:schemeClr val="bg1"/></p:bgRef></p:bg><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr><p:sp><p:nvSpPr><p:cNvPr id="2" name="Title Placeholder"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:spPr><a:xfrm><a:off x="457200" y="228600"/><a:ext cx="11277600" cy="731520"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr><p:txBody><a:bodyPr anchor="b"/><a:lstStyle/><a:p><a:r><a:rPr lang="en-GB"/><a:t>Title</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld><p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" folHlink="folHlink"/><p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst><p:txStyles><p:titleStyle><a:lvl1pPr algn="l"><a:defRPr sz="2800" b="1"><a:solidFill><a:schemeClr val="tx1"/></a:solidFill><a:latin typeface="+mj-lt"/></a:defRPr></a:lvl1pPr></p:titleStyle><p:bodyStyle><a:lvl1pPr><a:defRPr sz="1800"><a:solidFill><a:schemeClr val="tx1"/></a:solidFill><a:latin typeface="+mn-lt"/></a:defRPr></a:lvl1pPr></p:bodyStyle><p:otherStyle><a:lvl1pPr><a:defRPr sz="1800"><a:solidFill><a:schemeClr val="tx1"/></a:solidFill><a:latin typeface="+mn-lt"/></a:defRPr></a:lvl1pPr></p:otherStyle></p:txStyles></p:sldMaster>"#;

const LAYOUT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sldLayout xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" type="titleOnly" preserve="1"><p:cSld name="Title Only"><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr><p:sp><p:nvSpPr><p:cNvPr id="2" name="Title 1"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="en-GB"/><a:t>Title</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>"#;

/// An Office theme: colours, fonts and the three fill, line, effect and
/// background styles every theme must list.
const THEME: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Kohorte"><a:themeElements><a:clrScheme name="Kohorte"><a:dk1><a:srgbClr val="1E1E1E"/></a:dk1><a:lt1><a:srgbClr val="FFFFFF"/></a:lt1><a:dk2><a:srgbClr val="44546A"/></a:dk2><a:lt2><a:srgbClr val="E7E6E6"/></a:lt2><a:accent1><a:srgbClr val="1F77B4"/></a:accent1><a:accent2><a:srgbClr val="FF7F0E"/></a:accent2><a:accent3><a:srgbClr val="2CA02C"/></a:accent3><a:accent4><a:srgbClr val="D62728"/></a:accent4><a:accent5><a:srgbClr val="9467BD"/></a:accent5><a:accent6><a:srgbClr val="8C564B"/></a:accent6><a:hlink><a:srgbClr val="1F77B4"/></a:hlink><a:folHlink><a:srgbClr val="9467BD"/></a:folHlink></a:clrScheme><a:fontScheme name="Kohorte"><a:majorFont><a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont><a:minorFont><a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont></a:fontScheme><a:fmtScheme name="Kohorte"><a:fillStyleLst><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:fillStyleLst><a:lnStyleLst><a:ln w="9525"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln><a:ln w="12700"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln><a:ln w="19050"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln></a:lnStyleLst><a:effectStyleLst><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle></a:effectStyleLst><a:bgFillStyleLst><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>"#;
