//! A receipt as a one-page PDF (pdf-writer). The text is set in Helvetica, one of the standard
//! fonts every PDF reader has, with WinAnsiEncoding, so the text is real text (searchable, and
//! extractable by `pdftotext`) without embedding a font. A character outside that encoding
//! (Latin-1 and a few typographic signs) is printed as `?`.

use pdf_writer::types::LineCapStyle;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::receipt::Receipt;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");
/// A4, in points.
const WIDTH: i32 = 595;
const HEIGHT: i32 = 842;
const LEFT: i32 = 56;
const RIGHT_COLUMN: i32 = 330;
const VALUE_COLUMN: i32 = 200;

/// The PDF of a receipt.
pub fn render(r: &Receipt) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page = Ref::new(3);
    let regular = Ref::new(4);
    let bold = Ref::new(5);
    let contents = Ref::new(6);
    let info = Ref::new(7);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, WIDTH as f32, HEIGHT as f32)).parent(tree).contents(contents);
    p.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
    p.finish();
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("Receipt {} - {}", r.number, r.account_name);
    pdf.document_info(info).title(TextStr(&title)).producer(TextStr("Fax Credit")).creator(TextStr("Fax Credit"));
    let body = layout(r);
    pdf.stream(contents, &body.finish());
    pdf.finish()
}

fn layout(r: &Receipt) -> Content {
    let mut c = Content::new();
    let mut t = Text(&mut c);
    t.put(LEFT, 770, BOLD, 24, "Receipt");
    t.put(LEFT, 748, REGULAR, 10, "Outbound fax credit - paid in full");

    // Who bought it, and the receipt's own numbers.
    let mut y = 700;
    t.put(LEFT, y, BOLD, 9, "BILLED TO");
    y -= 16;
    t.put(LEFT, y, BOLD, 11, &r.account_name);
    for line in r.billing_address.lines() {
        y -= 14;
        t.put(LEFT, y, REGULAR, 10, line);
    }
    if !r.tax_id.is_empty() {
        y -= 16;
        t.put(LEFT, y, REGULAR, 10, &format!("Tax ID: {}", r.tax_id));
    }
    let mut ry = 700;
    let mut right = |label: &str, value: &str| {
        t.put(RIGHT_COLUMN, ry, BOLD, 9, label);
        t.put(RIGHT_COLUMN + 100, ry, REGULAR, 10, value);
        ry -= 16;
    };
    right("Receipt number", &r.number.to_string());
    right("Date", r.issued_at.get(..10).unwrap_or(&r.issued_at));
    right("Order", &r.order_id.to_string());
    if let Some(po) = &r.po_reference {
        right("PO reference", po);
    }
    let top_of_table = y.min(ry) - 36;

    // What was bought and how it was paid.
    let mut y = top_of_table;
    rule(t.0, y + 14);
    let mut row = |label: &str, value: &str, font: Name<'static>| {
        t.put(LEFT, y, BOLD, 10, label);
        t.put(VALUE_COLUMN, y, font, 10, value);
        y -= 20;
    };
    row("Package", &r.package, REGULAR);
    let credit = format!(
        "{} ({} face value + {} bonus)",
        r.money(r.face_units() + r.bonus_units()),
        r.money(r.face_units()),
        r.money(r.bonus_units())
    );
    row("Credit bought", &credit, REGULAR);
    if let Some(card) = r.new_card {
        row("Prepaid card", &card.to_string(), REGULAR);
    }
    row("Amount charged", &r.money(r.face_units()), BOLD);
    row("Paid with", &format!("{} \u{2022}\u{2022}\u{2022}\u{2022} {}", r.card_brand, r.card_last4), REGULAR);
    row("Processor charge ID", &r.charge_id, REGULAR);
    rule(t.0, y + 6);
    t.put(LEFT, y - 16, REGULAR, 8, "This receipt was issued by Fax Credit when the payment was approved.");
    c
}

/// A thin grey line across the page at `y`.
fn rule(c: &mut Content, y: i32) {
    c.save_state();
    c.set_stroke_rgb(0.75, 0.75, 0.75).set_line_width(0.6).set_line_cap(LineCapStyle::ButtCap);
    c.move_to(LEFT as f32, y as f32).line_to((WIDTH - LEFT) as f32, y as f32).stroke();
    c.restore_state();
}

struct Text<'c>(&'c mut Content);

impl Text<'_> {
    /// Writes `s` with its baseline starting at (x, y).
    fn put(&mut self, x: i32, y: i32, font: Name<'static>, size: i32, s: &str) {
        let bytes = win_ansi(s);
        self.0.begin_text().set_font(font, size as f32).next_line(x as f32, y as f32).show(Str(&bytes)).end_text();
    }
}

/// `s` in WinAnsiEncoding (Windows-1252): ASCII and Latin-1 as they are, the typographic signs
/// of 0x80–0x9F by their code, anything else as `?`.
pub(crate) fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|ch| match ch {
            ' '..='~' | '\u{A0}'..='\u{FF}' => u8::try_from(u32::from(ch)).unwrap_or(b'?'),
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::win_ansi;

    #[test]
    fn writes_latin_text_and_typographic_signs_in_win_ansi() {
        assert_eq!(win_ansi("Müller €5 •"), b"M\xfcller \x805 \x95");
        assert_eq!(win_ansi("東京\n"), b"???");
    }
}
