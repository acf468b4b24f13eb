/** GDAL's messages reach people without the server's paths or GDAL's driver list. */
import { describe, expect, it } from 'vitest';
import { cleanGdalText } from '../../server/modules/layers/gdal-text.ts';

describe('cleanGdalText', () => {
  it('puts the file name the user gave in place of temporary paths, also behind /vsizip/', () => {
    const raw =
      'ERROR 4: Unable to open /tmp/redline-upload-Ab12/upload-9f.geojson: No such file\n' +
      'ERROR 1: /vsizip//tmp/redline-ref-x1/in.zip/roads.shp: not a shapefile, at /work/main/data/x';
    const clean = cleanGdalText(raw, 'roads.zip');
    expect(clean).toBe(
      'ERROR 4: Unable to open roads.zip: No such file\nERROR 1: roads.zip: not a shapefile, at roads.zip',
    );
    expect(clean).not.toMatch(/\/tmp|\/work|vsizip/);
  });

  it("leaves out GDAL's driver list and keeps the error", () => {
    const raw = [
      'FAILURE:',
      "Unable to open datasource `/tmp/redline-ref-1/x.dat' with the following drivers.",
      "  -> `PCIDSK'",
      "  -> `netCDF'",
      "  -> `GPKG'",
    ].join('\n');
    const clean = cleanGdalText(raw, 'x.dat');
    expect(clean).not.toMatch(/PCIDSK|netCDF|GPKG|->/);
    expect(clean).toContain("Unable to open datasource `x.dat'");
  });

  it('leaves a message with no path as it is', () => {
    expect(cleanGdalText('ERROR 1: Invalid geometry\n', 'a.gpkg')).toBe('ERROR 1: Invalid geometry');
  });
});
