//! A CSV upload: any bytes, read as a `.csv` file (UTF-8, UTF-16, GBK/GB18030, comma or tab
//! separated), checked as a table and run through the checks of every list.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spotcheck_fuzz::check_upload;
use spotcheck_tabular::Format;

fuzz_target!(|data: &[u8]| {
    check_upload(data, Format::Csv, "list.csv");
});
