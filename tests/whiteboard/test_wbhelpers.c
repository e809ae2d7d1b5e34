/*
 * test_wbhelpers.c - the whiteboard's client-side helpers in process:
 * strokes <-> VARIANTs (and hostile VARIANTs), the stroke file format, the
 * SVG export, and the replica's splicing of a snapshot with callbacks that
 * come early, late, twice or out of order.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check_main.h"
#include "canvas.h"
#include "replica.h"
#include "stroke.h"
#include "svg.h"
#include "textfmt.h"

static wb_point pts3[3] = {{0, 0}, {500, 300}, {1000, 600}};

static void expect_refusal(HRESULT got, HRESULT want, const char *words)
{
    char *why = comrt_error_take_description();
    ck_assert_msg(got == want, "0x%08X, expected 0x%08X (%s)", (unsigned)got, (unsigned)want, why ? why : "");
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, words), "'%s' lacks '%s'", why, words);
    CoTaskMemFree(why);
}

/* Strokes and VARIANTs --------------------------------------------------------- */

START_TEST(stroke_round_trip)
{
    wb_stroke s = {0xE03030, 7, 3, pts3}, back;
    VARIANT v;
    ck_assert_int_eq(wb_variant_from_stroke(&s, &v), S_OK);
    ck_assert_uint_eq(V_VT(&v), VT_ARRAY | VT_VARIANT);
    ck_assert_uint_eq(V_ARRAY(&v)->rgsabound[0].cElements, 4);
    VARIANT *e = V_ARRAY(&v)->pvData;
    ck_assert_uint_eq(V_VT(&e[0]), VT_BSTR);
    ck_assert_str_eq(V_BSTR(&e[0]), WB_STROKE_TAG);
    ck_assert_uint_eq(V_VT(&e[3]), VT_ARRAY | VT_I4);
    ck_assert_uint_eq(V_ARRAY(&e[3])->rgsabound[0].cElements, 6);
    ck_assert_int_eq(wb_stroke_from_variant(&v, &back), S_OK);
    ck_assert_uint_eq(back.colour, 0xE03030);
    ck_assert_int_eq(back.width, 7);
    ck_assert_uint_eq(back.npoints, 3);
    ck_assert_int_eq(memcmp(back.points, pts3, sizeof pts3), 0);
    wb_stroke_free(&back);
    ck_assert_ptr_null(back.points);
    VariantClear(&v);
}
END_TEST

START_TEST(bad_strokes_are_not_encoded)
{
    wb_point off[1] = {{1001, 0}};
    wb_stroke s = {0x1000000, 1, 1, pts3};
    VARIANT v;
    expect_refusal(wb_variant_from_stroke(&s, &v), E_INVALIDARG, "colour");
    ck_assert_uint_eq(V_VT(&v), VT_EMPTY);
    s.colour = 0;
    s.width = 0;
    expect_refusal(wb_variant_from_stroke(&s, &v), E_INVALIDARG, "pen width");
    s.width = WB_MAX_WIDTH + 1;
    expect_refusal(wb_variant_from_stroke(&s, &v), E_INVALIDARG, "pen width");
    s.width = 1;
    s.npoints = 0;
    expect_refusal(wb_variant_from_stroke(&s, &v), E_INVALIDARG, "points");
    s.npoints = 1;
    s.points = off;
    expect_refusal(wb_variant_from_stroke(&s, &v), E_INVALIDARG, "outside");
}
END_TEST

/* Rewrites element k of a fresh stroke VARIANT as value (copied). */
static void stroke_with(VARIANT *v, LONG k, const VARIANT *value)
{
    wb_stroke s = {0x102030, 2, 3, pts3};
    ck_assert_int_eq(wb_variant_from_stroke(&s, v), S_OK);
    ck_assert_int_eq(SafeArrayPutElement(V_ARRAY(v), &k, (void *)value), S_OK);
}

START_TEST(hostile_variants_are_refused_not_trusted)
{
    static const VARTYPE scalars[] = {VT_EMPTY, VT_NULL, VT_I1, VT_UI1, VT_I2, VT_UI2, VT_I4, VT_UI4, VT_I8,
                                      VT_UI8, VT_INT, VT_UINT, VT_R4, VT_R8, VT_CY, VT_DATE, VT_BOOL, VT_ERROR};
    wb_stroke out;
    VARIANT v, e;
    /* every scalar type in every position: refused (or accepted when it is the right one) */
    for (LONG k = 0; k < 4; k++)
        for (size_t t = 0; t < sizeof scalars / sizeof scalars[0]; t++) {
            VariantInit(&e);
            V_VT(&e) = scalars[t];
            e.llVal = 5;
            stroke_with(&v, k, &e);
            HRESULT hr = wb_stroke_from_variant(&v, &out);
            int fine = (k == 1 || k == 2) && scalars[t] == VT_I4;
            if (fine) {
                ck_assert_int_eq(hr, S_OK);
                wb_stroke_free(&out);
            } else {
                ck_assert_msg(FAILED(hr), "vt %u at %d was accepted", scalars[t], (int)k);
                expect_refusal(hr, hr, "not a whiteboard stroke: ");
                ck_assert_ptr_null(out.points);
            }
            VariantClear(&v);
        }
    /* a VT_ARRAY whose array is NULL */
    VariantInit(&v);
    V_VT(&v) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(&v) = NULL;
    expect_refusal(wb_stroke_from_variant(&v, &out), E_INVALIDARG, "NULL array");
    /* points that say VT_ARRAY|VT_I4 but have no array */
    VariantInit(&e);
    V_VT(&e) = VT_ARRAY | VT_I4;
    V_ARRAY(&e) = NULL;
    stroke_with(&v, 3, &e);
    expect_refusal(wb_stroke_from_variant(&v, &out), E_INVALIDARG, "NULL array");
    VariantClear(&v);
    /* points as 8-byte integers */
    V_VT(&e) = VT_ARRAY | VT_I8;
    V_ARRAY(&e) = SafeArrayCreateVector(VT_I8, 0, 4);
    stroke_with(&v, 3, &e);
    VariantClear(&e);
    expect_refusal(wb_stroke_from_variant(&v, &out), DISP_E_TYPEMISMATCH, "VT_ARRAY|VT_I4");
    VariantClear(&v);
    /* too many points */
    V_VT(&e) = VT_ARRAY | VT_I4;
    V_ARRAY(&e) = SafeArrayCreateVector(VT_I4, 0, 2 * WB_MAX_POINTS + 2);
    stroke_with(&v, 3, &e);
    VariantClear(&e);
    expect_refusal(wb_stroke_from_variant(&v, &out), E_INVALIDARG, "coordinates");
    VariantClear(&v);
    /* a tag with an embedded NUL after the right text */
    V_VT(&e) = VT_BSTR;
    V_BSTR(&e) = SysAllocStringLen(WB_STROKE_TAG "\0x", (UINT)strlen(WB_STROKE_TAG) + 2);
    stroke_with(&v, 0, &e);
    VariantClear(&e);
    expect_refusal(wb_stroke_from_variant(&v, &out), DISP_E_TYPEMISMATCH, "tag");
    VariantClear(&v);
    /* extra elements are allowed (later versions may add some) */
    wb_stroke s = {1, 1, 1, pts3};
    ck_assert_int_eq(wb_variant_from_stroke(&s, &v), S_OK);
    SAFEARRAYBOUND b = {6, 0};
    ck_assert_int_eq(SafeArrayRedim(V_ARRAY(&v), &b), S_OK);
    ck_assert_int_eq(wb_stroke_from_variant(&v, &out), S_OK);
    wb_stroke_free(&out);
    VariantClear(&v);
    ck_assert_int_eq(wb_stroke_from_variant(NULL, &out), E_POINTER);
}
END_TEST

/* The text format ------------------------------------------------------------------- */

START_TEST(text_lines)
{
    wb_line l;
    char err[160];
    ck_assert_int_eq(wb_line_parse("stroke red 4 10,20 30,40\n", &l, err, sizeof err), 0);
    ck_assert_int_eq(l.kind, WB_LINE_STROKE);
    ck_assert_uint_eq(l.stroke.colour, 0xE03030);
    ck_assert_int_eq(l.stroke.width, 4);
    ck_assert_uint_eq(l.stroke.npoints, 2);
    ck_assert_int_eq(l.stroke.points[1].y, 40);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    wb_stroke_print(f, &l.stroke);
    fclose(f);
    ck_assert_str_eq(text, "#e03030 4 10,20 30,40");
    free(text);
    wb_stroke_free(&l.stroke);
    /* what --watch prints reads back */
    ck_assert_int_eq(wb_line_parse("stroke seq=12 #00ff00 1 0,0", &l, err, sizeof err), 0);
    ck_assert_uint_eq(l.stroke.colour, 0x00ff00);
    wb_stroke_free(&l.stroke);
    ck_assert_int_eq(wb_line_parse("stroke old #00FF00 1 1000,600", &l, err, sizeof err), 0);
    wb_stroke_free(&l.stroke);
    ck_assert_int_eq(wb_line_parse("  # a comment", &l, err, sizeof err), 0);
    ck_assert_int_eq(l.kind, WB_LINE_NONE);
    ck_assert_int_eq(wb_line_parse("", &l, err, sizeof err), 0);
    ck_assert_int_eq(wb_line_parse("clear", &l, err, sizeof err), 0);
    ck_assert_int_eq(l.kind, WB_LINE_CLEAR);
    ck_assert_int_eq(wb_line_parse("sleep 250", &l, err, sizeof err), 0);
    ck_assert_int_eq(l.ms, 250);
    static const struct {
        const char *line, *words;
    } bad[] = {
        {"draw red 1 1,1", "unknown keyword"},   {"stroke mauve 1 1,1", "colour"},
        {"stroke #12345 1 1,1", "colour"},       {"stroke #12345g 1 1,1", "colour"},
        {"stroke red 0 1,1", "pen width"},       {"stroke red 1", "at least one point"},
        {"stroke red 1 1,1 2", "point"},         {"stroke red 1 1001,1", "point"},
        {"stroke red 1 1,-1", "point"},          {"stroke red 1 1,2x", "point"},
        {"sleep", "sleep"},                      {"sleep 70000", "sleep"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(wb_line_parse(bad[i].line, &l, err, sizeof err) == -1, "'%s' parsed", bad[i].line);
        ck_assert_msg(strstr(err, bad[i].words), "'%s': '%s'", bad[i].line, err);
        ck_assert_int_eq(l.kind, WB_LINE_NONE);
        ck_assert_ptr_null(l.stroke.points);
    }
}
END_TEST

/* SVG --------------------------------------------------------------------------------- */

START_TEST(svg_export)
{
    wb_point dot[1] = {{7, 8}};
    wb_stroke a = {0x3060E0, 5, 3, pts3}, b = {0xE03030, 10, 1, dot};
    const wb_stroke *list[2] = {&a, &b};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(wb_svg_write(f, "a <board> & \"x\"", list, 2), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "viewBox=\"0 0 1000 600\""));
    ck_assert_ptr_nonnull(strstr(text, "<title>a &lt;board&gt; &amp; &quot;x&quot;</title>"));
    ck_assert_ptr_nonnull(
        strstr(text, "<polyline stroke=\"#3060e0\" stroke-width=\"5\" points=\"0,0 500,300 1000,600\"/>"));
    ck_assert_ptr_nonnull(strstr(text, "<circle cx=\"7\" cy=\"8\" r=\"5\" fill=\"#e03030\"/>"));
    /* later strokes are drawn on top: they come later in the document */
    ck_assert(strstr(text, "<polyline") < strstr(text, "<circle"));
    ck_assert_ptr_nonnull(strstr(text, "</svg>\n"));
    free(text);
}
END_TEST

/* The replica -------------------------------------------------------------------------- */

/* A board server of our own, in process: just enough for wb_replica_load. */
typedef struct FakeServer {
    IScribbleServer iface;
    LONG seq;
    LONG ids[8];
    int n;
} FakeServer;

static HRESULT fs_qi(IScribbleServer *This, REFIID riid, void **ppv)
{
    (void)riid;
    *ppv = This;
    return S_OK;
}
static ULONG fs_ref(IScribbleServer *This)
{
    (void)This;
    return 1;
}
static HRESULT fs_GetStrokes(IScribbleServer *This, LONG *seq, SAFEARRAY **items)
{
    FakeServer *fs = (FakeServer *)This;
    *seq = fs->seq;
    *items = SafeArrayCreateVector(VT_VARIANT, 0, (ULONG)fs->n);
    for (LONG i = 0; i < fs->n; i++) {
        wb_point p[1] = {{1, 1}};
        wb_stroke s = {(ULONG)fs->ids[i], 1, 1, p};
        VARIANT v;
        wb_variant_from_stroke(&s, &v);
        SafeArrayPutElement(*items, &i, &v);
        VariantClear(&v);
    }
    return S_OK;
}
static const IScribbleServerVtbl fs_vtbl = {.QueryInterface = fs_qi, .AddRef = fs_ref, .Release = fs_ref,
                                            .GetStrokes = fs_GetStrokes};

/* Records every change the replica reports. */
typedef struct log {
    char text[1024];
} changelog;

static void record(void *ctx, const wb_change *c)
{
    changelog *l = ctx;
    size_t n = strlen(l->text);
    if (c->kind == WB_CHANGE_LOADED)
        snprintf(l->text + n, sizeof l->text - n, "L%ld ", (long)c->seq);
    else if (c->kind == WB_CHANGE_CLEAR)
        snprintf(l->text + n, sizeof l->text - n, "C%ld%s ", (long)c->seq, c->own ? "*" : "");
    else
        snprintf(l->text + n, sizeof l->text - n, "S%ld:%lu%s ", (long)c->seq,
                 SUCCEEDED(c->item->hr) ? (unsigned long)c->item->stroke.colour : 0ul, c->own ? "*" : "");
}

static void feed(wb_replica *r, LONG seq, LONG id)
{
    wb_point p[1] = {{2, 2}};
    wb_stroke s = {(ULONG)id, 1, 1, p};
    VARIANT v;
    wb_variant_from_stroke(&s, &v);
    wb_replica_on_stroke(r, seq, &v);
    VariantClear(&v);
}

/* The replica's items as "seq:colour ..." */
static void items(wb_replica *r, char *out, size_t n)
{
    out[0] = '\0';
    wb_replica_lock(r);
    for (size_t i = 0; i < wb_replica_count(r); i++) {
        const wb_item *it = wb_replica_item(r, i);
        size_t k = strlen(out);
        snprintf(out + k, n - k, "%ld:%lu ", (long)it->seq, (unsigned long)it->stroke.colour);
    }
    wb_replica_unlock(r);
}

START_TEST(replica_splices_snapshot_and_callbacks)
{
    FakeServer fs = {{&fs_vtbl}, 5, {11, 12, 13}, 3};
    changelog l = {""};
    wb_replica_listener lis = {record, &l};
    wb_replica *r = NULL;
    char have[256];
    ck_assert_int_eq(wb_replica_create(1, &lis, &r), S_OK);
    /* callbacks before the snapshot wait; 4 and 5 are already in it */
    feed(r, 4, 99);
    feed(r, 6, 16);
    wb_replica_on_clear(r, 5);
    ck_assert_str_eq(l.text, "");
    ck_assert_int_eq(wb_replica_load(r, &fs.iface), S_OK);
    ck_assert_str_eq(l.text, "L5 S6:16 ");
    items(r, have, sizeof have);
    ck_assert_str_eq(have, "5:11 5:12 5:13 6:16 ");
    /* repeats and old news change nothing */
    feed(r, 6, 16);
    feed(r, 3, 99);
    ck_assert_str_eq(l.text, "L5 S6:16 ");
    /* our own stroke (seq 8) arrives before another's older one (seq 7) */
    wb_point p[1] = {{3, 3}};
    wb_stroke own = {18, 1, 1, p};
    VARIANT v;
    wb_variant_from_stroke(&own, &v);
    wb_replica_add_own(r, 8, &v);
    VariantClear(&v);
    feed(r, 7, 17);
    items(r, have, sizeof have);
    ck_assert_str_eq(have, "5:11 5:12 5:13 6:16 7:17 8:18 ");
    /* a clear removes what came before it, not what came after */
    feed(r, 10, 20);
    wb_replica_on_clear(r, 9);
    items(r, have, sizeof have);
    ck_assert_str_eq(have, "10:20 ");
    feed(r, 8, 88); /* cleared already: late news */
    wb_replica_clear_own(r, 11);
    ck_assert_uint_eq(wb_replica_count(r), 0);
    ck_assert_int_eq(wb_replica_seq(r), 11);
    ck_assert_str_eq(l.text, "L5 S6:16 S8:18* S7:17 S10:20 C9 C11* ");
    /* an item that is not a stroke is kept, counted and explained */
    VariantInit(&v);
    V_VT(&v) = VT_I4;
    V_I4(&v) = 3;
    wb_replica_on_stroke(r, 12, &v);
    ck_assert_uint_eq(wb_replica_rejected(r), 1);
    wb_replica_lock(r);
    const wb_item *it = wb_replica_item(r, 0);
    ck_assert_int_eq(it->hr, DISP_E_TYPEMISMATCH);
    ck_assert_ptr_nonnull(strstr(it->why, "not a whiteboard stroke"));
    ck_assert_uint_eq(V_VT(&it->value), VT_I4);
    wb_replica_unlock(r);
    wb_replica_on_clear(r, 13);
    ck_assert_uint_eq(wb_replica_rejected(r), 0);
    wb_replica_free(r);
}
END_TEST

/* The terminal canvas -------------------------------------------------------------------- */

START_TEST(canvas_scales_and_rasterizes)
{
    wb_canvas c = {0};
    char utf8[4];
    int dx, dy;
    ck_assert_int_eq(wb_canvas_resize(&c, 78, 21), 0);
    /* the board keeps its aspect, centred: corners land inside the dot grid */
    wb_point tl = {0, 0}, br = {WB_BOARD_W, WB_BOARD_H};
    wb_canvas_to_dot(&c, tl, &dx, &dy);
    ck_assert(dx >= 0 && dy >= 0);
    wb_canvas_to_dot(&c, br, &dx, &dy);
    ck_assert(dx < 2 * 78 && dy < 4 * 21);
    /* dots map back to the board within one dot, and clamp outside it */
    wb_point mid = {500, 300};
    wb_canvas_to_dot(&c, mid, &dx, &dy);
    wb_point back = wb_canvas_from_dot(&c, dx, dy);
    ck_assert(labs((long)back.x - 500) <= 1.0 / c.scale + 1 && labs((long)back.y - 300) <= 1.0 / c.scale + 1);
    back = wb_canvas_from_dot(&c, -50, 10000);
    ck_assert_int_eq(back.x, 0);
    ck_assert_int_eq(back.y, WB_BOARD_H);
    /* a thin horizontal line sets one dot row across, in its colour */
    wb_point line[2] = {{0, 300}, {WB_BOARD_W, 300}};
    wb_stroke s = {0, 1, 2, line};
    wb_canvas_stroke(&c, &s, 5);
    int cells = 0, row = dy / 4;
    for (int x = 0; x < c.cols; x++) {
        const wb_cell *cell = &c.cells[(size_t)row * (size_t)c.cols + (size_t)x];
        if (cell->dots) {
            cells++;
            ck_assert_uint_eq(cell->colour, 5);
        }
    }
    ck_assert_int_ge(cells, 60);
    for (int y = 0; y < c.rows; y++)
        if (y != row)
            for (int x = 0; x < c.cols; x++)
                ck_assert_uint_eq(c.cells[(size_t)y * (size_t)c.cols + (size_t)x].dots, 0);
    /* a wide pen covers more rows */
    s.width = 60;
    wb_canvas_stroke(&c, &s, 2);
    ck_assert_uint_ne(c.cells[(size_t)(row + 1) * (size_t)c.cols + 40].dots, 0);
    wb_canvas_clear(&c);
    ck_assert_uint_eq(c.cells[(size_t)row * (size_t)c.cols + 40].dots, 0);
    /* braille text */
    wb_braille_utf8(0xFF, utf8);
    ck_assert_str_eq(utf8, "\xE2\xA3\xBF"); /* U+28FF */
    wb_braille_utf8(0x01, utf8);
    ck_assert_str_eq(utf8, "\xE2\xA0\x81"); /* U+2801 */
    /* a tiny terminal still works */
    ck_assert_int_eq(wb_canvas_resize(&c, 0, -3), 0);
    ck_assert_int_eq(c.cols, 1);
    wb_canvas_stroke(&c, &s, 1);
    wb_canvas_free(&c);
}
END_TEST

static Suite *helpers_suite(void)
{
    Suite *s = suite_create("wbhelpers");
    TCase *tc = tcase_create("helpers");
    tcase_add_test(tc, stroke_round_trip);
    tcase_add_test(tc, bad_strokes_are_not_encoded);
    tcase_add_test(tc, hostile_variants_are_refused_not_trusted);
    tcase_add_test(tc, text_lines);
    tcase_add_test(tc, svg_export);
    tcase_add_test(tc, replica_splices_snapshot_and_callbacks);
    tcase_add_test(tc, canvas_scales_and_rasterizes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return comrt_run_suite(helpers_suite());
}
