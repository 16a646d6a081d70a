//! Where the items and attributes of a Rust file are, for suppression comments that cover a
//! whole item ([`crate::suppression`]).

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::suppression::ItemSpans;

/// The spans of every item of `file` (nested ones too: methods, items in blocks and inline
/// modules), outer attributes included, and of every attribute.
pub fn item_spans(file: &syn::File) -> ItemSpans {
    let mut spans = Collector::default();
    spans.visit_file(file);
    let mut spans = spans.0;
    spans.items.sort_by_key(|range| range.start);
    spans.attributes.sort_by_key(|range| range.start);
    spans
}

#[derive(Default)]
struct Collector(ItemSpans);

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.0.items.push(item.span().byte_range());
        visit::visit_item(self, item);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        self.0.items.push(item.span().byte_range());
        visit::visit_impl_item(self, item);
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        self.0.items.push(item.span().byte_range());
        visit::visit_trait_item(self, item);
    }

    fn visit_attribute(&mut self, attribute: &'ast syn::Attribute) {
        self.0.attributes.push(attribute.span().byte_range());
        visit::visit_attribute(self, attribute);
    }
}
