import numpy as np

from ocr_common.geometry import crop_quad, minimal_box


def test_minimal_box_is_clamped_to_the_image():
    assert minimal_box([[-5, -3], [50, -3], [50, 20], [-5, 20]], 40, 100) == (0, 0, 40, 20)
    assert minimal_box([[10.2, 5.7], [30.1, 5.7], [30.1, 15.2], [10.2, 15.2]], 100, 100) == (10, 5, 21, 11)


def test_crop_quad_takes_the_axis_aligned_region_with_a_margin():
    img = np.zeros((100, 200), np.uint8)
    img[40:60, 50:150] = 255
    crop = crop_quad(img, [[50, 40], [150, 40], [150, 60], [50, 60]], margin=0.1, side_margin=0.05)
    assert crop.shape == (24, 102)  # 0.1 x height above and below, 0.05 x height left and right
    assert crop[3:-3, 3:-3].min() == 255  # the inside is the white block
    assert crop[0].max() == 0 and crop[:, 0].max() == 0  # the margin is the background


def test_crop_quad_rectifies_a_rotated_line():
    img = np.zeros((200, 200), np.uint8)
    quad = np.array([[40, 100], [160, 80], [163, 100], [43, 120]], np.float32)  # tilted band
    import cv2
    cv2.fillConvexPoly(img, quad.astype(np.int32), 255)
    crop = crop_quad(img, quad.tolist(), margin=0.0, side_margin=0.0)
    assert crop.shape[1] > 100 and crop.shape[0] < 30
    assert crop[3:-3, 5:-5].mean() > 200


def test_crop_quad_adds_the_default_margins_around_the_line():
    img = np.zeros((100, 200), np.uint8)
    img[40:60, 50:150] = 255
    crop = crop_quad(img, [[50, 40], [150, 40], [150, 60], [50, 60]])
    assert crop.shape == (30, 112)  # 0.25 x 20 px above and below, 0.3 x 20 px left and right
    assert crop[6:-6, 7:-7].min() == 255 and crop[:4].max() == 0 and crop[:, :5].max() == 0


def test_word_spans_in_a_crop_map_back_onto_the_line_on_the_page():
    from ocr_common.geometry import crop_frame, word_quads

    quad = [[50, 40], [150, 40], [150, 60], [50, 60]]
    frame = crop_frame(quad)
    # in the 112 px crop the line spans x 6..106; a word over crop x 28..56 is at page x 72..100
    (word,) = word_quads(quad, [(28 / frame.out_w, 56 / frame.out_w)])
    assert np.allclose(word, [[72, 40], [100, 40], [100, 60], [72, 60]], atol=0.01)
    # spans reaching into the crop's margins are clamped to the line's quad
    (whole,) = word_quads(quad, [(0.0, 1.0)])
    assert np.allclose(whole, quad, atol=0.01)


def test_word_quads_follow_a_tilted_line():
    from ocr_common.geometry import word_quads

    quad = [[0, 100], [200, 0], [210, 20], [10, 120]]   # rising to the right
    left, right = word_quads(quad, [(0.0, 0.5), (0.5, 1.0)])
    assert left[0][1] > right[0][1]          # the right word sits higher
    assert np.allclose(left[0], quad[0], atol=0.5) and np.allclose(right[1], quad[1], atol=0.5)
