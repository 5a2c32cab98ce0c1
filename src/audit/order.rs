//! The order reports list things in: natural (`acc-2` before `acc-10`), so that a report reads
//! the same on every run whatever ids AWS handed out.

use std::cmp::Ordering;

/// Compares text with runs of digits compared as numbers.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let number = |it: &mut std::iter::Peekable<std::str::Chars>| {
                    let mut digits = String::new();
                    while let Some(c) = it.next_if(char::is_ascii_digit) {
                        digits.push(c);
                    }
                    digits.trim_start_matches('0').to_string()
                };
                let (n, m) = (number(&mut x), number(&mut y));
                let order = n.len().cmp(&m.len()).then_with(|| n.cmp(&m));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(c), Some(d)) => {
                let order = c.to_lowercase().cmp(d.to_lowercase()).then(c.cmp(&d));
                if order != Ordering::Equal {
                    return order;
                }
                x.next();
                y.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_compare_as_numbers_and_case_only_breaks_ties() {
        let mut names = vec!["acc-10", "acc-2", "Acc-1", "acc-1", "b"];
        names.sort_by(|a, b| super::natural(a, b));
        assert_eq!(names, ["Acc-1", "acc-1", "acc-2", "acc-10", "b"]);
    }
}
