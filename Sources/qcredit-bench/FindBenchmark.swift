// qcredit-bench find: FindEnterprises latency at scale, in-process.
//
// Loads N enterprises with synthetic Chinese names (region + two-character brand + trade + form,
// e.g. 贵州恒瑞水泥有限公司; one in ten renamed, so former names are indexed too) straight into a
// fresh store, 5,000 per transaction, through the same writer the daemon uses (so the name index is
// kept as in the daemon), then times `Registry.findEnterprises` in the bank's public view for four
// kinds of query, 1,000 each: a whole current name (exact), two leading characters (prefix),
// brand + trade, four characters from inside a name (substring), and a whole name with one
// character changed (fuzzy): in its middle, and its third (in the part that tells names apart,
// while the rest is a trade and legal form thousands of names hold); then the whole names again,
// as a daemon that has served a while answers them. Reports p50, p99 and max per kind.
import Foundation
import QCreditDomain
import QCreditRegistry

enum FindBenchmark {
    static let regions = ["贵州", "河南", "北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "福建", "云南", "内蒙古", "黑龙江"]
    static let trades = ["水泥", "建材", "科技", "贸易", "食品", "电子", "机械", "化工", "纺织", "医药", "物流", "能源"]
    static let forms = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]
    /// Characters brands are made of: two of them give 40,000 brands.
    static let brandCharacters = Array("恒瑞华康泰丰盛鑫源达宏伟金银龙凤祥和安平永昌兴旺东南西北中天地人新光明辉煌博远嘉德信诚正道通顺福寿禄喜乐美佳良优精锐力强铭锦绣宝石玉山海江河湖川林森木春夏秋冬星月云雨雪风雷电晨曦红蓝绿紫青白黑黄")

    static func name(_ n: Int, seed: Int = 0) -> String {
        var random = SplitMix(state: UInt64(n * 31 + seed))
        let brand = String([brandCharacters[random.next(brandCharacters.count)], brandCharacters[random.next(brandCharacters.count)]])
        return regions[random.next(regions.count)] + brand + trades[random.next(trades.count)] + forms[random.next(forms.count)]
    }

    static func run(arguments: [String]) async throws {
        let store = try await BenchStore(arguments: arguments, name: "find")
        let (count, registry) = (store.count, store.registry)
        // `--load no`: the store in --directory was loaded by an earlier run with the same --enterprises
        // (to time or profile the queries alone).
        if store.option("--load") != "no" {
            print("loading \(count) enterprises with synthetic names into \(store.directory)…")
            let start = ContinuousClock.now
            try await store.load(code: { USCC.madeUp(serial: 40_000_000 + $0) }) { n in
                n % 10 == 0 ? [name(n, seed: 7), name(n)] : [name(n)]
            }
            print(String(format: "loaded in %.1f s", ExportBenchmark.seconds(ContinuousClock.now - start)))
        }

        var random = SplitMix(state: 42)
        let samples = (0..<1000).map { _ in name(random.next(count)) }
        let kinds: [(String, [String])] = [
            ("exact (whole name)", samples),
            ("prefix (2 characters)", samples.map { String($0.prefix(2)) }),
            ("substring (4 characters inside)", samples.map { String(Array($0).dropFirst(2).prefix(4)) }),
            ("fuzzy (one character changed)", samples.map { sample in
                var characters = Array(sample)
                characters[characters.count / 2] = "谬"
                return String(characters)
            }),
            // The misspelling in the first half: the whole piece left is the trade and legal form
            // that thousands of names hold, so every place of the first half is looked up.
            ("fuzzy (third character changed)", samples.map { sample in
                var characters = Array(sample)
                characters[2] = "谬"
                return String(characters)
            }),
            // The same whole names again: a daemon that has served a while keeps the full answers
            // of the crowded halves (CrowdedNameProbes), which the first pass had to read.
            ("exact again (crowded answers kept)", samples),
        ]
        for (kind, queries) in kinds {
            var times: [Double] = []
            var found = 0
            for query in queries {
                let began = ContinuousClock.now
                let matches = try await registry.findEnterprises(name: query, limit: 20, view: .public)
                times.append(ExportBenchmark.seconds(ContinuousClock.now - began) * 1000)
                if !matches.isEmpty { found += 1 }
            }
            times.sort()
            print(
                String(
                    format: "%@: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d of %d queries found a file)", kind,
                    times[times.count / 2], times[times.count * 99 / 100], times.last!, found, queries.count))
        }
        store.cleanUp()
    }
}

/// A small deterministic generator (SplitMix64), so runs load the same names.
struct SplitMix {
    var state: UInt64

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
