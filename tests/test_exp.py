"""exp: expressions compile to the official client's bytes, work as filters on every command
that takes a policy, and as read/write operations in operate; bad arguments raise at once."""

from __future__ import annotations

import base64
import warnings

import pytest

import aerospike_py as aerospike
from aerospike_py import cdt_ctx as cx
from aerospike_py import exception
from aerospike_py import exp

L, M, B, H = exp.list_bin("l"), exp.map_bin("m"), exp.blob_bin("b"), exp.hll_bin("h")
VALUE, INDEX, COUNT, EXISTS = aerospike.LIST_RETURN_VALUE, aerospike.LIST_RETURN_INDEX, aerospike.LIST_RETURN_COUNT, aerospike.LIST_RETURN_EXISTS
MVALUE, MKEY, MKV = aerospike.MAP_RETURN_VALUE, aerospike.MAP_RETURN_KEY, aerospike.MAP_RETURN_KEY_VALUE
INV = aerospike.LIST_RETURN_INVERTED


def official_pairs():
    """(name, ours, official) for a broad sample of every family."""
    e = pytest.importorskip("aerospike_helpers.expressions")
    oc = pytest.importorskip("aerospike_helpers.cdt_ctx")
    official = pytest.importorskip("aerospike")
    OL, OM, OB, OH = e.ListBin("l"), e.MapBin("m"), e.BlobBin("b"), e.HLLBin("h")
    geo = {"type": "Point", "coordinates": [1.5, 2]}
    return [
        ("int_eq", exp.eq(exp.int_bin("a"), exp.int_val(1)), e.Eq(e.IntBin("a"), 1)),
        ("plain_value", exp.eq(exp.int_bin("a"), 1), e.Eq(e.IntBin("a"), 1)),
        ("ints", exp.and_(*[exp.eq(exp.int_bin("a"), n) for n in (0, 127, 128, 255, 256, 65535, 65536, 2**32, 2**63 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63))]),
         e.And(*[e.Eq(e.IntBin("a"), n) for n in (0, 127, 128, 255, 256, 65535, 65536, 2**32, 2**63 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63))])),
        ("str", exp.eq(exp.string_bin("s"), exp.string_val("héllo")), e.Eq(e.StrBin("s"), "héllo")),
        ("long_str", exp.eq(exp.string_bin("s"), "x" * 300), e.Eq(e.StrBin("s"), "x" * 300)),
        ("float", exp.lt(exp.float_bin("f"), exp.float_val(1.5)), e.LT(e.FloatBin("f"), 1.5)),
        ("bool", exp.eq(exp.bool_bin("t"), exp.bool_val(True)), e.Eq(e.BoolBin("t"), True)),
        ("blob", exp.eq(exp.blob_bin("b"), exp.blob_val(b"\x00\x01")), e.Eq(e.BlobBin("b"), b"\x00\x01")),
        ("nil", exp.eq(exp.int_bin("a"), exp.nil()), e.Eq(e.IntBin("a"), None)),
        ("list_val", exp.eq(L, exp.list_val([1, "a", b"b", 2.5, None, [True]])), e.Eq(OL, [1, "a", b"b", 2.5, None, [True]])),
        # one entry: the official client packs a dict in its hash order, which is not the dict's
        ("map_val", exp.eq(M, exp.map_val({"b": [1, {"c": 2}]})), e.Eq(OM, {"b": [1, {"c": 2}]})),
        ("geo", exp.geo_compare(exp.geo_bin("g"), exp.geo_val(geo)), e.CmpGeo(e.GeoBin("g"), official.GeoJSON(geo))),
        ("bins", exp.and_(exp.eq(exp.list_bin("l"), exp.list_bin("l2")), exp.eq(exp.map_bin("m"), exp.map_bin("m")), exp.eq(exp.hll_bin("h"), exp.hll_bin("h"))),
         e.And(e.Eq(e.ListBin("l"), e.ListBin("l2")), e.Eq(e.MapBin("m"), e.MapBin("m")), e.Eq(e.HLLBin("h"), e.HLLBin("h")))),
        ("bin_exists", exp.bin_exists("a"), e.BinExists("a")),
        ("bin_type", exp.eq(exp.bin_type("a"), 1), e.Eq(e.BinType("a"), 1)),
        ("keys", exp.or_(exp.eq(exp.key_int(), 1), exp.eq(exp.key(exp.EXP_TYPE_STRING), "k"), exp.eq(exp.key_blob(), b"k")),
         e.Or(e.Eq(e.KeyInt(), 1), e.Eq(e.KeyStr(), "k"), e.Eq(e.KeyBlob(), b"k"))),
        ("meta", exp.and_(exp.key_exists(), exp.eq(exp.set_name(), "s"), exp.gt(exp.record_size(), 1), exp.gt(exp.device_size(), 1), exp.gt(exp.memory_size(), 1),
                          exp.gt(exp.last_update(), 1), exp.gt(exp.since_update(), 1), exp.gt(exp.void_time(), 1), exp.gt(exp.ttl(), 1), exp.not_(exp.is_tombstone()), exp.eq(exp.digest_modulo(3), 0)),
         e.And(e.KeyExists(), e.Eq(e.SetName(), "s"), e.GT(e.RecordSize(), 1), e.GT(e.DeviceSize(), 1), e.GT(e.MemorySize(), 1),
               e.GT(e.LastUpdateTime(), 1), e.GT(e.SinceUpdateTime(), 1), e.GT(e.VoidTime(), 1), e.GT(e.TTL(), 1), e.Not(e.IsTombstone()), e.Eq(e.DigestMod(3), 0))),
        ("compare", exp.and_(exp.ne(exp.int_bin("a"), 1), exp.ge(exp.int_bin("a"), 1), exp.le(exp.int_bin("a"), 1), exp.gt(exp.int_bin("a"), 1)),
         e.And(e.NE(e.IntBin("a"), 1), e.GE(e.IntBin("a"), 1), e.LE(e.IntBin("a"), 1), e.GT(e.IntBin("a"), 1))),
        ("logic", exp.or_(exp.not_(exp.eq(1, 1)), exp.xor_(exp.eq(1, 1), exp.eq(2, 2))), e.Or(e.Not(e.Eq(1, 1)), e.Exclusive(e.Eq(1, 1), e.Eq(2, 2)))),
        ("arith", exp.eq(exp.num_add(exp.num_sub(exp.int_bin("a"), 1), exp.num_mul(2, 3), exp.num_div(8, 2), exp.num_mod(7, 3), exp.num_abs(-1), exp.to_int(exp.num_floor(1.5)), exp.to_int(exp.num_ceil(1.5))), 0),
         e.Eq(e.Add(e.Sub(e.IntBin("a"), 1), e.Mul(2, 3), e.Div(8, 2), e.Mod(7, 3), e.Abs(-1), e.ToInt(e.Floor(1.5)), e.ToInt(e.Ceil(1.5))), 0)),
        ("float_arith", exp.eq(exp.num_add(exp.num_pow(2.0, 3.0), exp.num_log(8.0, 2.0), exp.to_float(3)), 1.0), e.Eq(e.Add(e.Pow(2.0, 3.0), e.Log(8.0, 2.0), e.ToFloat(3)), 1.0)),
        ("min_max", exp.eq(exp.min_(1, 2, exp.int_bin("a")), exp.max_(3, 4)), e.Eq(e.Min(1, 2, e.IntBin("a")), e.Max(3, 4))),
        ("int_bits", exp.eq(exp.int_and(exp.int_or(1, 2), exp.int_xor(3, 4), exp.int_not(5), exp.int_lshift(1, 2), exp.int_rshift(8, 1), exp.int_arshift(-8, 1), exp.int_count(7), exp.int_lscan(8, True), exp.int_rscan(8, True)), 0),
         e.Eq(e.IntAnd(e.IntOr(1, 2), e.IntXOr(3, 4), e.IntNot(5), e.IntLeftShift(1, 2), e.IntRightShift(8, 1), e.IntArithmeticRightShift(-8, 1), e.IntCount(7), e.IntLeftScan(8, True), e.IntRightScan(8, True)), 0)),
        ("regex", exp.regex_compare("^ab.*", aerospike.REGEX_ICASE, exp.string_bin("s")), e.CmpRegex(official.REGEX_ICASE, "^ab.*", e.StrBin("s"))),
        ("cond", exp.eq(exp.cond(exp.eq(exp.int_bin("a"), 1), 10, exp.eq(exp.int_bin("a"), 2), 20, 30), 10), e.Eq(e.Cond(e.Eq(e.IntBin("a"), 1), 10, e.Eq(e.IntBin("a"), 2), 20, 30), 10)),
        ("let", exp.let_(exp.def_("x", exp.int_bin("a")), exp.def_("y", 2), exp.eq(exp.var("x"), exp.var("y"))), e.Let(e.Def("x", e.IntBin("a")), e.Def("y", 2), e.Eq(e.Var("x"), e.Var("y")))),
        ("unknown", exp.cond(exp.eq(1, 1), 1, exp.unknown()), e.Cond(e.Eq(1, 1), 1, e.Unknown())),
        # lists
        ("list_size", exp.eq(exp.list_size(L), 3), e.Eq(e.ListSize(None, OL), 3)),
        ("list_by_index", exp.eq(exp.list_get_by_index(VALUE, exp.EXP_TYPE_INT, 1, L), 1), e.Eq(e.ListGetByIndex(None, VALUE, e.ResultType.INTEGER, 1, OL), 1)),
        ("list_by_index_ctx", exp.eq(exp.list_get_by_index(VALUE, exp.EXP_TYPE_STRING, 0, L, ctx=[cx.cdt_ctx_list_index(0), cx.cdt_ctx_map_key("k"), cx.cdt_ctx_list_rank(-1), cx.cdt_ctx_map_index(1), cx.cdt_ctx_map_rank(0), cx.cdt_ctx_map_value(2), cx.cdt_ctx_list_value("v")]), "a"),
         e.Eq(e.ListGetByIndex([oc.cdt_ctx_list_index(0), oc.cdt_ctx_map_key("k"), oc.cdt_ctx_list_rank(-1), oc.cdt_ctx_map_index(1), oc.cdt_ctx_map_rank(0), oc.cdt_ctx_map_value(2), oc.cdt_ctx_list_value("v")], VALUE, e.ResultType.STRING, 0, OL), "a")),
        ("list_ranges", exp.and_(exp.eq(exp.list_get_by_index_range(VALUE, 1, L, count=2), [1]), exp.eq(exp.list_get_by_index_range(VALUE | INV, 1, L), [1]),
                                 exp.eq(exp.list_get_by_rank_range(COUNT, 0, L, count=2), 2), exp.eq(exp.list_get_by_rank(INDEX, exp.EXP_TYPE_INT, 0, L), 1),
                                 exp.list_get_by_value(EXISTS, 3, L), exp.eq(exp.list_get_by_value_list(VALUE, [1, 2], L), [1]),
                                 exp.eq(exp.list_get_by_value_range(VALUE, 1, 5, L), [1]), exp.eq(exp.list_get_by_value_rank_range_relative(VALUE, 5, 1, L, count=2), [1]),
                                 exp.eq(exp.list_get_by_value_rank_range_relative(VALUE, 5, -1, L), [1])),
         e.And(e.Eq(e.ListGetByIndexRange(None, VALUE, 1, 2, OL), [1]), e.Eq(e.ListGetByIndexRangeToEnd(None, VALUE | 0x10000, 1, OL), [1]),
               e.Eq(e.ListGetByRankRange(None, COUNT, 0, 2, OL), 2), e.Eq(e.ListGetByRank(None, INDEX, e.ResultType.INTEGER, 0, OL), 1),
               e.ListGetByValue(None, EXISTS, 3, OL), e.Eq(e.ListGetByValueList(None, VALUE, [1, 2], OL), [1]),
               e.Eq(e.ListGetByValueRange(None, VALUE, 1, 5, OL), [1]), e.Eq(e.ListGetByValueRelRankRange(None, VALUE, 5, 1, 2, OL), [1]),
               e.Eq(e.ListGetByValueRelRankRangeToEnd(None, VALUE, 5, -1, OL), [1]))),
        ("list_modify", exp.and_(exp.eq(exp.list_append(5, L), [1]), exp.eq(exp.list_append(5, L, policy={"list_order": 1, "write_flags": 1}), [1]),
                                 exp.eq(exp.list_append_items([1, 2], L), [1]), exp.eq(exp.list_insert(1, 5, L), [1]), exp.eq(exp.list_insert(1, 5, L, policy={"write_flags": 2}), [1]),
                                 exp.eq(exp.list_insert_items(0, [1], L), [1]), exp.eq(exp.list_set(1, 5, L), [1]), exp.eq(exp.list_increment(1, 5, L), [1]),
                                 exp.eq(exp.list_clear(L), []), exp.eq(exp.list_sort(1, L), [1])),
         e.And(e.Eq(e.ListAppend(None, None, 5, OL), [1]), e.Eq(e.ListAppend(None, {"list_order": 1, "write_flags": 1}, 5, OL), [1]),
               e.Eq(e.ListAppendItems(None, None, [1, 2], OL), [1]), e.Eq(e.ListInsert(None, None, 1, 5, OL), [1]), e.Eq(e.ListInsert(None, {"write_flags": 2}, 1, 5, OL), [1]),
               e.Eq(e.ListInsertItems(None, None, 0, [1], OL), [1]), e.Eq(e.ListSet(None, None, 1, 5, OL), [1]), e.Eq(e.ListIncrement(None, None, 1, 5, OL), [1]),
               e.Eq(e.ListClear(None, OL), []), e.Eq(e.ListSort(None, 1, OL), [1]))),
        ("list_remove", exp.and_(exp.eq(exp.list_remove_by_value(1, L), []), exp.eq(exp.list_remove_by_value_list([1], L), []), exp.eq(exp.list_remove_by_value_range(1, 3, L), []),
                                 exp.eq(exp.list_remove_by_value_rank_range_relative(1, 0, L, count=1), []), exp.eq(exp.list_remove_by_index(0, L), []), exp.eq(exp.list_remove_by_index_range(0, L, count=1), []),
                                 exp.eq(exp.list_remove_by_rank(0, L), []), exp.eq(exp.list_remove_by_rank_range(0, L), [])),
         e.And(e.Eq(e.ListRemoveByValue(None, 1, OL), []), e.Eq(e.ListRemoveByValueList(None, [1], OL), []), e.Eq(e.ListRemoveByValueRange(None, 1, 3, OL), []),
               e.Eq(e.ListRemoveByValueRelRankRange(None, 1, 0, 1, OL), []), e.Eq(e.ListRemoveByIndex(None, 0, OL), []), e.Eq(e.ListRemoveByIndexRange(None, 0, 1, OL), []),
               e.Eq(e.ListRemoveByRank(None, 0, OL), []), e.Eq(e.ListRemoveByRankRangeToEnd(None, 0, OL), []))),
        ("list_modify_ctx", exp.eq(exp.list_append(5, L, ctx=[cx.cdt_ctx_map_key("a")]), {}), e.Eq(e.ListAppend([oc.cdt_ctx_map_key("a")], None, 5, OL), {})),
        ("wildcard_infinity", exp.and_(exp.list_get_by_value(EXISTS, [exp.WILDCARD, "a"], L), exp.eq(exp.list_get_by_value_range(VALUE, [1], [1, exp.INFINITY], L), [])),
         e.And(e.ListGetByValue(None, EXISTS, [official.CDTWildcard(), "a"], OL), e.Eq(e.ListGetByValueRange(None, VALUE, [1], [1, official.CDTInfinite()], OL), []))),
        # maps
        ("map_reads", exp.and_(exp.eq(exp.map_size(M), 1), exp.eq(exp.map_get_by_key(MVALUE, exp.EXP_TYPE_INT, "k", M), 1), exp.eq(exp.map_get_by_key_range(MVALUE, "a", "c", M), [1]),
                               exp.eq(exp.map_get_by_key_list(MKEY, ["a", "b"], M), ["a"]), exp.eq(exp.map_get_by_key_rel_index_range(MKEY, "a", 1, M, count=2), ["a"]),
                               exp.eq(exp.map_get_by_value(MKEY, 1, M), ["a"]), exp.eq(exp.map_get_by_value_range(MKEY, 1, 3, M), ["a"]), exp.eq(exp.map_get_by_value_list(MKEY, [1], M), ["a"]),
                               exp.eq(exp.map_get_by_value_rel_rank_range(MKEY, 1, 0, M), ["a"]), exp.eq(exp.map_get_by_index(MKEY, exp.EXP_TYPE_STRING, 0, M), "a"),
                               exp.eq(exp.map_get_by_index_range(MKV, 0, M, count=1), {"a": 1}), exp.eq(exp.map_get_by_rank(MVALUE, exp.EXP_TYPE_INT, 0, M), 1),
                               exp.eq(exp.map_get_by_rank_range(MVALUE, 0, M), [1])),
         e.And(e.Eq(e.MapSize(None, OM), 1), e.Eq(e.MapGetByKey(None, MVALUE, e.ResultType.INTEGER, "k", OM), 1), e.Eq(e.MapGetByKeyRange(None, MVALUE, "a", "c", OM), [1]),
               e.Eq(e.MapGetByKeyList(None, MKEY, ["a", "b"], OM), ["a"]), e.Eq(e.MapGetByKeyRelIndexRange(None, MKEY, "a", 1, 2, OM), ["a"]),
               e.Eq(e.MapGetByValue(None, MKEY, 1, OM), ["a"]), e.Eq(e.MapGetByValueRange(None, MKEY, 1, 3, OM), ["a"]), e.Eq(e.MapGetByValueList(None, MKEY, [1], OM), ["a"]),
               e.Eq(e.MapGetByValueRelRankRangeToEnd(None, MKEY, 1, 0, OM), ["a"]), e.Eq(e.MapGetByIndex(None, MKEY, e.ResultType.STRING, 0, OM), "a"),
               e.Eq(e.MapGetByIndexRange(None, MKV, 0, 1, OM), {"a": 1}), e.Eq(e.MapGetByRank(None, MVALUE, e.ResultType.INTEGER, 0, OM), 1),
               e.Eq(e.MapGetByRankRangeToEnd(None, MVALUE, 0, OM), [1]))),
        ("map_modify", exp.and_(exp.eq(exp.map_put("k", 1, M), {}), exp.eq(exp.map_put("k", 1, M, policy={"map_order": 1, "map_write_flags": 4}), {}), exp.eq(exp.map_put_items({"a": 1}, M), {}),
                                exp.eq(exp.map_increment("k", 1, M), {}), exp.eq(exp.map_clear(M), {}), exp.eq(exp.map_remove_by_key("k", M), {}), exp.eq(exp.map_remove_by_key_list(["k"], M), {}),
                                exp.eq(exp.map_remove_by_key_range("a", "c", M), {}), exp.eq(exp.map_remove_by_key_rel_index_range("a", 0, M, count=1), {}), exp.eq(exp.map_remove_by_value(1, M), {}),
                                exp.eq(exp.map_remove_by_value_list([1], M), {}), exp.eq(exp.map_remove_by_value_range(1, 2, M), {}), exp.eq(exp.map_remove_by_value_rel_rank_range(1, 0, M), {}),
                                exp.eq(exp.map_remove_by_index(0, M), {}), exp.eq(exp.map_remove_by_index_range(0, M, count=2), {}), exp.eq(exp.map_remove_by_rank(0, M), {}), exp.eq(exp.map_remove_by_rank_range(0, M), {})),
         e.And(e.Eq(e.MapPut(None, None, "k", 1, OM), {}), e.Eq(e.MapPut(None, {"map_order": 1, "map_write_flags": 4}, "k", 1, OM), {}), e.Eq(e.MapPutItems(None, None, {"a": 1}, OM), {}),
               e.Eq(e.MapIncrement(None, None, "k", 1, OM), {}), e.Eq(e.MapClear(None, OM), {}), e.Eq(e.MapRemoveByKey(None, "k", OM), {}), e.Eq(e.MapRemoveByKeyList(None, ["k"], OM), {}),
               e.Eq(e.MapRemoveByKeyRange(None, "a", "c", OM), {}), e.Eq(e.MapRemoveByKeyRelIndexRange(None, "a", 0, 1, OM), {}), e.Eq(e.MapRemoveByValue(None, 1, OM), {}),
               e.Eq(e.MapRemoveByValueList(None, [1], OM), {}), e.Eq(e.MapRemoveByValueRange(None, 1, 2, OM), {}), e.Eq(e.MapRemoveByValueRelRankRangeToEnd(None, 1, 0, OM), {}),
               e.Eq(e.MapRemoveByIndex(None, 0, OM), {}), e.Eq(e.MapRemoveByIndexRange(None, 0, 2, OM), {}), e.Eq(e.MapRemoveByRank(None, 0, OM), {}), e.Eq(e.MapRemoveByRankRangeToEnd(None, 0, OM), {}))),
        ("map_modify_ctx", exp.eq(exp.map_put("k", 1, M, ctx=[cx.cdt_ctx_list_index(0)]), []), e.Eq(e.MapPut([oc.cdt_ctx_list_index(0)], None, "k", 1, OM), [])),
        # bits
        ("bits", exp.and_(exp.eq(exp.bit_resize(4, B, resize_flags=aerospike.BIT_RESIZE_FROM_FRONT), b""), exp.eq(exp.bit_insert(0, b"\x01", B), b""), exp.eq(exp.bit_remove(0, 1, B), b""),
                          exp.eq(exp.bit_set(0, 8, b"\xff", B), b""), exp.eq(exp.bit_or(0, 8, b"\x01", B), b""), exp.eq(exp.bit_xor(0, 8, b"\x01", B), b""), exp.eq(exp.bit_and(0, 8, b"\x01", B), b""),
                          exp.eq(exp.bit_not(0, 8, B), b""), exp.eq(exp.bit_lshift(0, 8, 2, B), b""), exp.eq(exp.bit_rshift(0, 8, 2, B), b""),
                          exp.eq(exp.bit_add(0, 8, 1, B, action=aerospike.BIT_OVERFLOW_SATURATE), b""), exp.eq(exp.bit_subtract(0, 8, 1, B, action=aerospike.BIT_OVERFLOW_WRAP), b""),
                          exp.eq(exp.bit_set_int(0, 8, 7, B), b""), exp.eq(exp.bit_get(0, 8, B), b""), exp.eq(exp.bit_count(0, 8, B), 1), exp.eq(exp.bit_lscan(0, 8, True, B), 1),
                          exp.eq(exp.bit_rscan(0, 8, False, B), 1), exp.eq(exp.bit_get_int(0, 8, True, B), 1), exp.eq(exp.bit_get_int(0, 8, False, B), 1)),
         e.And(e.Eq(e.BitResize(None, 4, official.BIT_RESIZE_FROM_FRONT, OB), b""), e.Eq(e.BitInsert(None, 0, b"\x01", OB), b""), e.Eq(e.BitRemove(None, 0, 1, OB), b""),
               e.Eq(e.BitSet(None, 0, 8, b"\xff", OB), b""), e.Eq(e.BitOr(None, 0, 8, b"\x01", OB), b""), e.Eq(e.BitXor(None, 0, 8, b"\x01", OB), b""), e.Eq(e.BitAnd(None, 0, 8, b"\x01", OB), b""),
               e.Eq(e.BitNot(None, 0, 8, OB), b""), e.Eq(e.BitLeftShift(None, 0, 8, 2, OB), b""), e.Eq(e.BitRightShift(None, 0, 8, 2, OB), b""),
               e.Eq(e.BitAdd(None, 0, 8, 1, official.BIT_OVERFLOW_SATURATE, OB), b""), e.Eq(e.BitSubtract(None, 0, 8, 1, official.BIT_OVERFLOW_WRAP, OB), b""),
               e.Eq(e.BitSetInt(None, 0, 8, 7, OB), b""), e.Eq(e.BitGet(0, 8, OB), b""), e.Eq(e.BitCount(0, 8, OB), 1), e.Eq(e.BitLeftScan(0, 8, True, OB), 1),
               e.Eq(e.BitRightScan(0, 8, False, OB), 1), e.Eq(e.BitGetInt(0, 8, True, OB), 1), e.Eq(e.BitGetInt(0, 8, False, OB), 1))),
        # HLL
        ("hll", exp.and_(exp.eq(exp.hll_get_count(exp.hll_init(8, 0, H)), 0), exp.eq(exp.hll_get_count(exp.hll_add(["a", 1], H, 8, 0)), 1), exp.eq(exp.hll_get_count(H), 1),
                         exp.eq(exp.hll_get_union_count([exp.hll_bin("h2")], H), 1) if False else exp.eq(exp.hll_get_count(H), 1),
                         exp.eq(exp.hll_describe(H), [8, 0]), exp.eq(exp.hll_may_contain(["a"], H), 1)),
         e.And(e.Eq(e.HLLGetCount(e.HLLInit(None, 8, 0, OH)), 0), e.Eq(e.HLLGetCount(e.HLLAdd(None, ["a", 1], 8, 0, OH)), 1), e.Eq(e.HLLGetCount(OH), 1),
               e.Eq(e.HLLGetCount(OH), 1), e.Eq(e.HLLDescribe(OH), [8, 0]), e.Eq(e.HLLMayContain(["a"], OH), 1))),
    ]


@pytest.fixture(scope="module")
def official_compile(server_hosts):
    official = pytest.importorskip("aerospike")
    c = official.client({"hosts": list(server_hosts)}).connect()

    def compile_(expr):
        with warnings.catch_warnings():  # CmpRegex is deprecated in 19.x, and still compiles
            warnings.simplefilter("ignore", DeprecationWarning)
            return base64.b64decode(c.get_expression_base64(expr.compile()))

    yield compile_
    c.close()


def test_compiles_to_the_official_clients_bytes(official_compile):
    diffs = []
    for name, ours, theirs in official_pairs():
        want = official_compile(theirs)
        if ours.compile() != want:
            diffs.append(f"{name}:\n  ours   {ours.compile().hex()}\n  theirs {want.hex()}")
    assert not diffs, "\n".join(diffs)


@pytest.fixture
def rk(client, keys):
    k = keys()
    client.put(k, {"a": 10, "f": 2.5, "s": "hello", "t": True, "b": b"\x0f", "l": [5, 1, 9], "m": {"x": 1, "y": 2}})
    return k


def passes(client, k, expr):
    try:
        client.get(k, policy={"filter_expression": expr})
        return True
    except exception.FilteredOut:
        return False


def test_filter_on_get_put_operate_remove(client, rk):
    yes, no = exp.eq(exp.int_bin("a"), 10), exp.eq(exp.int_bin("a"), 11)
    assert client.get(rk, policy={"filter_expression": yes}).bins["a"] == 10
    with pytest.raises(exception.FilteredOut):
        client.get(rk, policy={"filter_expression": no})
    with pytest.raises(exception.FilteredOut):
        client.put(rk, {"a": 1}, policy={"filter_expression": no})
    client.put(rk, {"z": 1}, policy={"filter_expression": yes})
    with pytest.raises(exception.FilteredOut):
        client.operate(rk, [{"op": aerospike.OPERATOR_READ, "bin": "a"}], policy={"filter_expression": no})
    with pytest.raises(exception.FilteredOut):
        client.remove(rk, policy={"filter_expression": no})
    client.remove(rk, policy={"filter_expression": yes})
    assert client.exists(rk).meta is None


def test_filter_values_bins_and_logic(client, rk):
    assert passes(client, rk, exp.and_(exp.eq(exp.float_bin("f"), 2.5), exp.eq(exp.string_bin("s"), "hello"), exp.eq(exp.bool_bin("t"), True),
                                       exp.eq(exp.blob_bin("b"), b"\x0f"), exp.eq(exp.list_bin("l"), [5, 1, 9]), exp.bin_exists("m"), exp.not_(exp.bin_exists("zz"))))
    assert passes(client, rk, exp.or_(exp.eq(exp.int_bin("a"), 0), exp.xor_(exp.eq(1, 1), exp.eq(1, 2))))
    assert not passes(client, rk, exp.eq(exp.int_bin("nope"), 1))  # unknown filters out
    assert passes(client, rk, exp.regex_compare("^hel+o$", aerospike.REGEX_EXTENDED, exp.string_bin("s")))
    assert passes(client, rk, exp.eq(exp.bin_type("s"), 3))


def test_metadata(client, keys):
    k = keys("metakey")
    client.put(k, {"a": 1}, policy={"key": aerospike.POLICY_KEY_SEND})
    assert passes(client, k, exp.and_(exp.key_exists(), exp.eq(exp.key_str(), "metakey"), exp.eq(exp.set_name(), k[1]), exp.gt(exp.record_size(), 0),
                                      exp.gt(exp.last_update(), 0), exp.ge(exp.since_update(), 0), exp.gt(exp.ttl(), 0), exp.gt(exp.void_time(), 0),
                                      exp.not_(exp.is_tombstone()), exp.lt(exp.digest_modulo(3), 3)))


def test_arithmetic_and_control_flow(client, rk):
    read = lambda e: client.operate(rk, [exp.read_exp("r", e)]).bins["r"]  # noqa: E731
    assert read(exp.num_add(exp.int_bin("a"), 5, exp.num_mul(2, 3))) == 21
    assert read(exp.num_sub(exp.int_bin("a"))) == -10
    assert read(exp.num_div(exp.int_bin("a"), 3)) == 3
    assert read(exp.num_mod(-7, 3)) == -1
    assert read(exp.num_pow(2.0, 10.0)) == 1024.0
    assert read(exp.to_int(exp.num_floor(exp.float_bin("f")))) == 2
    assert read(exp.to_float(exp.int_bin("a"))) == 10.0
    assert read(exp.min_(3, exp.int_bin("a"), 7)) == 3
    assert read(exp.int_and(exp.int_lshift(1, 4), 0xFF)) == 16
    assert read(exp.int_count(exp.int_bin("a"))) == 2
    assert read(exp.cond(exp.gt(exp.int_bin("a"), 5), "big", "small")) == "big"
    assert read(exp.let_(exp.def_("x", exp.int_bin("a")), exp.num_mul(exp.var("x"), exp.var("x")))) == 100


def test_cdt_expressions(client, rk):
    read = lambda e: client.operate(rk, [exp.read_exp("r", e)]).bins["r"]  # noqa: E731
    L, M = exp.list_bin("l"), exp.map_bin("m")
    assert read(exp.list_size(L)) == 3
    assert read(exp.list_get_by_rank(VALUE, exp.EXP_TYPE_INT, -1, L)) == 9
    assert read(exp.list_get_by_value_range(COUNT, 1, 6, L)) == 2
    assert read(exp.list_append(7, L)) == [5, 1, 9, 7]
    assert read(exp.list_sort(0, L)) == [1, 5, 9]
    assert read(exp.list_remove_by_value(1, L)) == [5, 9]
    assert read(exp.map_size(M)) == 2
    assert read(exp.map_get_by_key(MVALUE, exp.EXP_TYPE_INT, "y", M)) == 2
    assert read(exp.map_put("z", 3, M)) == {"x": 1, "y": 2, "z": 3}
    assert read(exp.map_remove_by_key("x", M)) == {"y": 2}
    assert read(exp.bit_count(0, 8, exp.blob_bin("b"))) == 4
    assert read(exp.bit_get_int(4, 4, False, exp.blob_bin("b"))) == 15
    assert read(exp.bit_set(0, 8, b"\xff", exp.blob_bin("b"))) == b"\xff"
    assert passes(client, rk, exp.gt(exp.list_get_by_rank(VALUE, exp.EXP_TYPE_INT, -1, L, ctx=None), 8))


def test_hll_expressions(client, keys):
    from aerospike_py import hll_operations as ho

    k = keys()
    client.operate(k, [ho.hll_add("h", ["a", "b"], index_bit_count=8)])
    read = lambda e: client.operate(k, [exp.read_exp("r", e)]).bins["r"]  # noqa: E731
    assert read(exp.hll_get_count(exp.hll_bin("h"))) == 2
    assert read(exp.hll_describe(exp.hll_bin("h"))) == [8, 0]
    assert read(exp.hll_may_contain(["a"], exp.hll_bin("h"))) == 1
    assert read(exp.hll_get_count(exp.hll_add(["c"], exp.hll_bin("h")))) == 3


def test_write_exp(client, rk):
    client.operate(rk, [exp.write_exp("a2", exp.num_mul(exp.int_bin("a"), 2))])
    assert client.get(rk).bins["a2"] == 20
    with pytest.raises(exception.BinExistsError):
        client.operate(rk, [exp.write_exp("a", 1, aerospike.EXP_WRITE_CREATE_ONLY)])
    client.operate(rk, [exp.write_exp("a", 1, aerospike.EXP_WRITE_CREATE_ONLY | aerospike.EXP_WRITE_POLICY_NO_FAIL)])
    assert client.get(rk).bins["a"] == 10
    with pytest.raises(exception.OpNotApplicable):
        client.operate(rk, [exp.read_exp("r", exp.int_bin("nope"))])
    assert client.operate(rk, [exp.read_exp("r", exp.int_bin("nope"), aerospike.EXP_READ_EVAL_NO_FAIL)]).bins == {"r": None}


def test_filter_expression_accepts_bytes_and_none(client, rk):
    expr = exp.eq(exp.int_bin("a"), 10)
    assert client.get(rk, policy={"filter_expression": expr.compile()}).bins["a"] == 10
    assert client.get(rk, policy={"filter_expression": None}).bins["a"] == 10


@pytest.mark.parametrize(
    ("policy", "exc", "match"),
    [
        ({"filter_expression": 5}, TypeError, "filter_expression"),
        ({"filter_expression": b""}, exception.ParamError, "empty"),
        ({"filter_expression": b"\x01\x02"}, exception.ParamError, "not a compiled expression"),
        ({"filter_expression": "!!notbase64"}, exception.ParamError, "base64"),
    ],
)
def test_bad_filter_raises_before_sending(client, keys, policy, exc, match):
    with pytest.raises(exc, match=match):
        client.put(keys(), {"a": 1}, policy=policy)


def test_builders_check_arguments():
    with pytest.raises(TypeError):
        exp.int_val("1")
    with pytest.raises(TypeError):
        exp.int_bin(5)
    with pytest.raises(OverflowError):
        exp.int_val(2**63)
    with pytest.raises(ValueError):
        exp.cond(exp.eq(1, 1), 1)
    with pytest.raises(ValueError):
        exp.let_(exp.eq(1, 1))
    with pytest.raises(TypeError):
        exp.eq(exp.int_bin("a"), object())
    with pytest.raises(ValueError):
        exp.list_get_by_index(99, exp.EXP_TYPE_INT, 0, exp.list_bin("l"))


@pytest.mark.parametrize(
    ("op", "exc", "match"),
    [
        ({"op": exp.OP_EXP_READ, "bin": "r", "expr": 5}, TypeError, "expr"),
        (exp.read_exp("r", exp.int_bin("a"), 3), exception.ParamError, "flags"),
        (exp.write_exp("r", exp.int_bin("a"), 64), exception.ParamError, "flags"),
        ({"op": exp.OP_EXP_READ, "bin": "r"}, exception.ParamError, "expr"),
    ],
)
def test_bad_expression_ops(client, keys, op, exc, match):
    k = keys()
    with pytest.raises(exc, match=match):
        client.operate(k, [{"op": aerospike.OPERATOR_WRITE, "bin": "w", "val": 1}, op])
    assert client.exists(k).meta is None
