using System.Runtime.InteropServices;

namespace Exports.Rendering.Cairo;

/// <summary>The machine's Cairo, Pango and GObject, called through source-generated P/Invoke.</summary>
internal static unsafe partial class Native
{
    const string Cairo = "libcairo.so.2", Pango = "libpango-1.0.so.0", PangoCairo = "libpangocairo-1.0.so.0", GObject = "libgobject-2.0.so.0";

    public const int FormatArgb32 = 0;
    public const int PdfTitle = 0, PdfAuthor = 1, PdfSubject = 2, PdfKeywords = 3, PdfCreator = 4, PdfCreateDate = 5, PdfModDate = 6;
    public const int LineJoinRound = 1, LineCapRound = 1;
    public const int AntialiasDefault = 0, AntialiasFast = 4, SurfaceTypePdf = 1;

    [LibraryImport(Cairo)] public static partial nint cairo_image_surface_create(int format, int width, int height);
    [LibraryImport(Cairo)] public static partial nint cairo_image_surface_create_from_png_stream(delegate* unmanaged[Cdecl]<nint, byte*, uint, int> read, nint closure);
    [LibraryImport(Cairo)] public static partial nint cairo_image_surface_get_data(nint surface);
    [LibraryImport(Cairo)] public static partial int cairo_image_surface_get_width(nint surface);
    [LibraryImport(Cairo)] public static partial int cairo_image_surface_get_height(nint surface);
    [LibraryImport(Cairo)] public static partial int cairo_image_surface_get_stride(nint surface);
    [LibraryImport(Cairo)] public static partial nint cairo_pdf_surface_create_for_stream(delegate* unmanaged[Cdecl]<nint, byte*, uint, int> write, nint closure, double width, double height);
    [LibraryImport(Cairo)] public static partial void cairo_pdf_surface_set_size(nint surface, double width, double height);
    [LibraryImport(Cairo, StringMarshalling = StringMarshalling.Utf8)] public static partial void cairo_pdf_surface_set_metadata(nint surface, int metadata, string value);
    [LibraryImport(Cairo, StringMarshalling = StringMarshalling.Utf8)] public static partial int cairo_pdf_surface_add_outline(nint surface, int parent, string name, string link, int flags);
    [LibraryImport(Cairo)] public static partial int cairo_surface_write_to_png_stream(nint surface, delegate* unmanaged[Cdecl]<nint, byte*, uint, int> write, nint closure);
    [LibraryImport(Cairo)] public static partial void cairo_surface_flush(nint surface);
    [LibraryImport(Cairo)] public static partial void cairo_surface_set_device_scale(nint surface, double x, double y);
    [LibraryImport(Cairo)] public static partial void cairo_set_source_surface(nint cr, nint surface, double x, double y);
    [LibraryImport(Cairo)] public static partial void cairo_surface_finish(nint surface);
    [LibraryImport(Cairo)] public static partial int cairo_surface_status(nint surface);
    [LibraryImport(Cairo)] public static partial void cairo_surface_destroy(nint surface);
    [LibraryImport(Cairo)] public static partial nint cairo_status_to_string(int status);

    [LibraryImport(Cairo)] public static partial nint cairo_create(nint surface);
    [LibraryImport(Cairo)] public static partial void cairo_destroy(nint cr);
    [LibraryImport(Cairo)] public static partial int cairo_status(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_save(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_restore(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_scale(nint cr, double sx, double sy);
    [LibraryImport(Cairo)] public static partial void cairo_translate(nint cr, double tx, double ty);
    [LibraryImport(Cairo)] public static partial void cairo_set_source_rgba(nint cr, double r, double g, double b, double a);
    [LibraryImport(Cairo)] public static partial void cairo_set_line_width(nint cr, double width);
    [LibraryImport(Cairo)] public static partial void cairo_set_line_join(nint cr, int join);
    [LibraryImport(Cairo)] public static partial void cairo_set_antialias(nint cr, int antialias);
    [LibraryImport(Cairo)] public static partial nint cairo_get_target(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_user_to_device(nint cr, ref double x, ref double y);
    [LibraryImport(Cairo)] public static partial void cairo_device_to_user(nint cr, ref double x, ref double y);
    [LibraryImport(Cairo)] public static partial int cairo_surface_get_type(nint surface);
    [LibraryImport(Cairo)] public static partial void cairo_set_tolerance(nint cr, double tolerance);
    [LibraryImport(Cairo)] public static partial void cairo_set_line_cap(nint cr, int cap);
    [LibraryImport(Cairo)] public static partial void cairo_set_dash(nint cr, double* dashes, int count, double offset);
    [LibraryImport(Cairo)] public static partial void cairo_new_path(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_close_path(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_move_to(nint cr, double x, double y);
    [LibraryImport(Cairo)] public static partial void cairo_line_to(nint cr, double x, double y);
    [LibraryImport(Cairo)] public static partial void cairo_rectangle(nint cr, double x, double y, double w, double h);
    [LibraryImport(Cairo)] public static partial void cairo_arc(nint cr, double xc, double yc, double radius, double angle1, double angle2);
    [LibraryImport(Cairo)] public static partial void cairo_fill(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_stroke(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_paint(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_clip(nint cr);
    [LibraryImport(Cairo)] public static partial void cairo_show_page(nint cr);
    [LibraryImport(Cairo, StringMarshalling = StringMarshalling.Utf8)] public static partial void cairo_tag_begin(nint cr, string name, string attributes);
    [LibraryImport(Cairo, StringMarshalling = StringMarshalling.Utf8)] public static partial void cairo_tag_end(nint cr, string name);

    [LibraryImport(PangoCairo)] public static partial nint pango_cairo_create_layout(nint cr);
    [LibraryImport(PangoCairo)] public static partial void pango_cairo_show_layout(nint cr, nint layout);
    [LibraryImport(PangoCairo)] public static partial nint pango_cairo_create_context(nint cr);
    [LibraryImport(PangoCairo)] public static partial void pango_cairo_update_context(nint cr, nint context);
    [LibraryImport(Pango)] public static partial nint pango_layout_new(nint context);
    [LibraryImport(Pango)] public static partial void pango_layout_context_changed(nint layout);
    [LibraryImport(Pango)] public static partial void pango_layout_set_text(nint layout, byte* text, int length);
    [LibraryImport(Pango)] public static partial void pango_layout_set_markup(nint layout, byte* markup, int length);
    [LibraryImport(Pango)] public static partial void pango_layout_set_attributes(nint layout, nint attributes);
    [LibraryImport(Pango, StringMarshalling = StringMarshalling.Utf8)] public static partial nint pango_font_description_from_string(string description);
    [LibraryImport(Pango)] public static partial void pango_font_description_free(nint description);
    [LibraryImport(Pango)] public static partial void pango_layout_set_font_description(nint layout, nint description);
    [LibraryImport(Pango)] public static partial void pango_layout_set_width(nint layout, int width);
    [LibraryImport(Pango)] public static partial void pango_layout_set_height(nint layout, int height);
    [LibraryImport(Pango)] public static partial void pango_layout_set_ellipsize(nint layout, int mode);
    [LibraryImport(Pango)] public static partial void pango_layout_set_wrap(nint layout, int mode);
    [LibraryImport(Pango)] public static partial void pango_layout_set_alignment(nint layout, int alignment);
    [LibraryImport(Pango)] public static partial void pango_layout_get_pixel_size(nint layout, out int width, out int height);
    [LibraryImport(GObject)] public static partial void g_object_unref(nint obj);

    public const int PangoScale = 1024, EllipsizeNone = 0, EllipsizeEnd = 3, WrapWordChar = 2;
}
