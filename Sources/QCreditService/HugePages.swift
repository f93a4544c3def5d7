import CMalloc

extension Array where Element: BitwiseCopyable {
    /// Advises the kernel to back this array's buffer (its whole capacity) with huge pages: the
    /// grade index reads its tables at random, one line per table per answer, and with 4 KiB
    /// pages each of those reads also missed the TLB (a page walk, which a virtual machine
    /// pays twice). Pages already touched stay small until the kernel's background scan
    /// joins them; pages touched after this come huge where the kernel has them.
    func adviseHugePages() {
        withUnsafeBufferPointer { buffer in
            qcredit_advise_huge_pages(buffer.baseAddress, capacity * MemoryLayout<Element>.stride)
        }
    }
}
