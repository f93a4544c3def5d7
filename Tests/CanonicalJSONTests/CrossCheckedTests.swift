import Testing

import CanonicalJSON

/// Cases cross-checked against Python's `rfc8785` package (version 0.1.4, the reference JCS
/// implementation by Trail of Bits) while this module was written, frozen here so the tests need
/// no Python. They were produced by a seeded script that fed 20,000 random doubles, 20,000 double
/// spellings and 4,000 random nested values (all planes of Unicode, controls, ±2^63 integers) to
/// both implementations; every result agreed. The expectations below are `rfc8785.dumps` output.
@Suite("Cross-checked against Python rfc8785")
struct CrossCheckedTests {
    /// Random IEEE-754 bit patterns and decimal-looking values, with `rfc8785.dumps(float)`.
    static let doubles: [(bits: UInt64, text: String)] = [
        (0x4601861c1c4d4d34, "1.735479672042159e+29"),
        (0xc607f0be5587f460, "-2.3709428e+29"),
        (0x06082c084826f652, "1.3316394326226518e-279"),
        (0xc5b9bcf76525b714, "-7.96557158998126e+27"),
        (0x3dd97372c01e863e, "9.25900884e-11"),
        (0x267133ee6acc5fa2, "1.626456147404146e-123"),
        (0xa1b018a7374cc47e, "-2.0141333222471766e-146"),
        (0x7dc7abbe40eb60ed, "7.740339008169191e+297"),
        (0x22d5189bb4d343a8, "6.919978519573844e-141"),
        (0x71c61315f78a2b51, "1.1499487833220386e+240"),
        (0x837a0c109c3572d8, "-6.525353838921686e-292"),
        (0xc07ffb4e0a885595, "-511.706553013378"),
        (0x451585af539b5443, "6.504687789710837e+24"),
        (0xc47584fc79f56a91, "-6.3514287e+21"),
        (0xc7650bdf46f1619d, "-8.74232242967e+35"),
        (0x42c343ec9884b800, "42364906310000"),
        (0x3fb126e978d4fdf4, "0.067"),
        (0x636feb0ce7e56d53, "9.636636634907003e+170"),
        (0x3f8216093cfbc519, "0.008831093"),
        (0xf6ddf0b8bd1c8831, "-3.7711397956785844e+264"),
        (0x436c7ce9b1cb1900, "64149140000000000"),
        (0x4446329763cc539d, "818947723548434200000"),
        (0x5ed2fce29c476bc9, "6.069784526954869e+148"),
        (0x1317e2c8d419f8d7, "1.082640627103771e-216"),
    ]

    @Test("random doubles", arguments: doubles)
    func randomDoubles(bits: UInt64, text: String) throws {
        #expect(try canonicalText(.double(Double(bitPattern: bits))) == text)
    }

    /// `json.dumps` of random nested values (escaped or literal, compact or indented) and the
    /// `rfc8785.dumps` of the same values.
    static let values: [(input: String, canonical: String)] = [
        ("{\u{A} \"\\u0011\": {\u{A}  \"\": -5.553387186770411e-108,\u{A}  \"\\ud831\\uddc4\\ue4ad\\ud952\\ude94\": 1.4238951575461435e-265\u{A} },\u{A} \"\": false\u{A}}",
         "{\"\":false,\"\\u0011\":{\"\":-5.553387186770411e-108,\"\u{1C5C4}\u{E4AD}\u{64A94}\":1.4238951575461435e-265}}"),
        ("[-6098712432723601, [-3887228250612886, 494768411453021, 1640271799318410], [\"\u{884B}\u{260}\u{1D0}\u{524}\u{43B}bH\", -8690572702730760, \"\u{63E}\\u000b\u{E473B}\u{C6C64}\u{FD1D}\u{D63A}f\u{E82C}\", -2784303040259077]]",
         "[-6098712432723601,[-3887228250612886,494768411453021,1640271799318410],[\"\u{884B}\u{260}\u{1D0}\u{524}\u{43B}bH\",-8690572702730760,\"\u{63E}\\u000b\u{E473B}\u{C6C64}\u{FD1D}\u{D63A}f\u{E82C}\",-2784303040259077]]"),
        ("{\"\\u001b%\\u7083\\u0123\": 3188276289630801, \"\\\\\\uff4f\\udb48\\ude38\": {\"i\\uf3a3\\u2f0a\": 9.511523764264015e-100, \"\\u00d9\\ue26e\\uf07e)\": true, \"\\ud857\\udd02\\ue89e\\uc445\\u0b4f\": \"\\uea91\\u0460\\u3d08\\ud9e6\\ude32\\ud8f5\\udc67\", \"\\u07e2$\\u05c7\": 918503.3739810521, \"x\\r\\u04d9#\\uda11\\udeb6\\uf6e3\\u03ed\": true}, \"W\\u7b03b\\ud8bc\\uddc3\\u058d\\ue949\\u0002\\udb22\\udf6a\": 724541759671787, \"\\u03db\\ud996\\ude93\\uba3b=(\\u0015\\uf634\": {}}",
         "{\"\\u001b%\u{7083}\u{123}\":3188276289630801,\"W\u{7B03}b\u{3F1C3}\u{58D}\u{E949}\\u0002\u{D8B6A}\":724541759671787,\"\\\\\u{FF4F}\u{E2238}\":{\"i\u{F3A3}\u{2F0A}\":9.511523764264015e-100,\"x\\r\u{4D9}#\u{946B6}\u{F6E3}\u{3ED}\":true,\"\u{D9}\u{E26E}\u{F07E})\":true,\"\u{7E2}$\u{5C7}\":918503.3739810521,\"\u{25D02}\u{E89E}\u{C445}\u{B4F}\":\"\u{EA91}\u{460}\u{3D08}\u{89A32}\u{4D467}\"},\"\u{3DB}\u{75A93}\u{BA3B}=(\\u0015\u{F634}\":{}}"),
        ("[\u{A} {\u{A}  \"\u{81}$\u{4073}\u{5D598}\u{E07D}\": -2.6917395529135463e-278,\u{A}  \"\u{E782}\u{FC15}O\": 6.216609203281481e-16,\u{A}  \"\u{539}C\u{8B8C}\\u0010y\": -4125320014369637\u{A} },\u{A} {},\u{A} \"\u{EEC9}\u{3ADDF}\\u001b\u{67F}\u{83AD}o\\f\"\u{A}]",
         "[{\"\u{81}$\u{4073}\u{5D598}\u{E07D}\":-2.6917395529135463e-278,\"\u{539}C\u{8B8C}\\u0010y\":-4125320014369637,\"\u{E782}\u{FC15}O\":6.216609203281481e-16},{},\"\u{EEC9}\u{3ADDF}\\u001b\u{67F}\u{83AD}o\\f\"]"),
        ("{\"\\ufbb0\\b\": {\"\\u4879\\u001f\\uda0e\\udf1a\\u0019\\u0014\\u001d\\udb2e\\udf18\": -5348473284128030, \"\\uf6c6\\ue8ca\\udb13\\udfe5\\u2112\\ud86b\\ude37\\uf1fe\\u001c\\u03b1\": -6475437605831868}, \"\\u0013|^\\uea82\": 2.9973884941730677e-152, \"\\ud82b\\udd19\\uf781\\u000e\\uee5a\": -537017.2368241779}",
         "{\"\\u0013|^\u{EA82}\":2.9973884941730677e-152,\"\u{1AD19}\u{F781}\\u000e\u{EE5A}\":-537017.2368241779,\"\u{FBB0}\\b\":{\"\u{4879}\\u001f\u{93B1A}\\u0019\\u0014\\u001d\u{DBB18}\":-5348473284128030,\"\u{F6C6}\u{E8CA}\u{D4FE5}\u{2112}\u{2AE37}\u{F1FE}\\u001c\u{3B1}\":-6475437605831868}}"),
        ("{\"\u{4805}\": [true, 1.0864089920873789e-270, \"\u{FDF8}\u{409}\", \"\\u0002\u{1740}\u{E2CEC}\u{1FCC}=\"], \"\u{E202}\\f\u{F4}\": -7813807908954921, \"\": [-7168297539868844, false, -6.035843900691616e-98], \"\\u0004\u{C565}wn\u{2790E}8\u{564}\": \"\u{F419}\u{6A42B}\\u000f\u{1642}\"}",
         "{\"\":[-7168297539868844,false,-6.035843900691616e-98],\"\\u0004\u{C565}wn\u{2790E}8\u{564}\":\"\u{F419}\u{6A42B}\\u000f\u{1642}\",\"\u{4805}\":[true,1.0864089920873789e-270,\"\u{FDF8}\u{409}\",\"\\u0002\u{1740}\u{E2CEC}\u{1FCC}=\"],\"\u{E202}\\f\u{F4}\":-7813807908954921}"),
        ("{\u{A} \"\\udbda\\udc6d\\ue681sc\\uf7d4\\u73ba\\u0001\": \"\\b\\uf79b\\t&\\ud817\\uded1\\u001aJ\",\u{A} \"\\u03f0\\ufcf1\": false\u{A}}",
         "{\"\u{3F0}\u{FCF1}\":false,\"\u{10686D}\u{E681}sc\u{F7D4}\u{73BA}\\u0001\":\"\\b\u{F79B}\\t&\u{15ED1}\\u001aJ\"}"),
        ("{\"\u{2340}\u{15BED}\u{B1E1}\u{27BF9}\\u0000\u{2831}\": 4876016733358607, \"I0\u{3C0}\u{233}\": 2.0730149423096567e-20, \"\u{5102}\u{1791A}M\": -4.430610043374338e-32, \"\u{BCB4A}\u{AABBC}\": [-1.5885189976107946e-45, \"\u{2A8D}\u{5D90}\", null, null, true], \"%>\u{667}\u{447}\u{67A25}\\u0006bO\": [\"\"]}",
         "{\"%>\u{667}\u{447}\u{67A25}\\u0006bO\":[\"\"],\"I0\u{3C0}\u{233}\":2.0730149423096567e-20,\"\u{2340}\u{15BED}\u{B1E1}\u{27BF9}\\u0000\u{2831}\":4876016733358607,\"\u{5102}\u{1791A}M\":-4.430610043374338e-32,\"\u{BCB4A}\u{AABBC}\":[-1.5885189976107946e-45,\"\u{2A8D}\u{5D90}\",null,null,true]}"),
    ]

    @Test("random nested values", arguments: values)
    func randomValues(input: String, canonical: String) throws {
        #expect(try canonicalText(JSONValue.parse(input)) == canonical)
    }
}
