// SPDX-License-Identifier: GPL-2.0

//! Stand-in for the kernel's `#[vtable]` attribute, for compiling golden
//! outputs outside a kernel tree: a trait gets `const HAS_<FN>: bool = false;`
//! for each of its methods, an impl gets `const HAS_<FN>: bool = true;` for
//! each method it defines, as in rust/macros/vtable.rs.

extern crate proc_macro;
use proc_macro::{Delimiter, Group, TokenStream, TokenTree};

#[proc_macro_attribute]
pub fn vtable(_attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let is_trait = tokens
        .iter()
        .any(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "trait"));
    let body_at = tokens
        .iter()
        .rposition(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))
        .expect("#[vtable] needs a trait or impl body");
    let body = match &tokens[body_at] {
        TokenTree::Group(g) => g.stream(),
        _ => unreachable!(),
    };
    let mut names = Vec::new();
    let mut after_fn = false;
    for t in body.clone() {
        if let TokenTree::Ident(i) = &t {
            let s = i.to_string();
            if after_fn {
                names.push(s.clone());
            }
            after_fn = s == "fn";
        } else {
            after_fn = false;
        }
    }
    let mut extra = String::new();
    for n in names {
        let value = if is_trait { "false" } else { "true" };
        extra.push_str(&format!(
            "const HAS_{}: bool = {};",
            n.to_uppercase(),
            value
        ));
    }
    let mut stream = body;
    stream.extend(extra.parse::<TokenStream>().unwrap());
    tokens[body_at] = TokenTree::Group(Group::new(Delimiter::Brace, stream));
    tokens.into_iter().collect()
}
